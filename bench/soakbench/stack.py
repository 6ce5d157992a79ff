"""The processes of the soak and the faults done to them: the embedded stack, one
`snapfeed serve --workers 2`, two `snapfeed worker`s (a killed one is replaced), and the
restarts of Valkey and PostgreSQL at the same addresses with the same data."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from feedbench.console import log
from feedbench.stack import CHILDREN, free_port

from server.embedded import EmbeddedStack

from .config import SOAK_SETTINGS


class SoakStack:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.embedded = EmbeddedStack(data_dir)  # persistent Valkey: AOF, fsync every second
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.secret = secrets.token_urlsafe(24)
        self.api: subprocess.Popen[bytes] | None = None
        self.workers: dict[str, subprocess.Popen[bytes]] = {}
        self.worker_exits: list[str] = []  # workers found dead that the soak did not kill
        self._started_workers = 0

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SNAPFEED_")}
        env.update(SOAK_SETTINGS)
        env.update(
            SNAPFEED_DATABASE_URL=self.embedded.database_url,
            SNAPFEED_REDIS_URL=self.embedded.redis_url,
            SNAPFEED_DATA_DIR=str(self.data_dir),
            SNAPFEED_MEDIA_DIR=str(self.data_dir / "media"),
            SNAPFEED_SECRET_KEY=self.secret,
            SNAPFEED_HOST="127.0.0.1",
            SNAPFEED_PORT=str(self.port),
            SNAPFEED_PUBLIC_URL=self.url,
        )
        return env

    def _cli(self, args: list[str], log_name: str) -> subprocess.Popen[bytes]:
        return CHILDREN.start(
            [sys.executable, "-m", "server.cli", *args], self.env(), self.data_dir / log_name
        )

    async def start(self) -> None:
        (self.data_dir / "media").mkdir(parents=True, exist_ok=True)
        migrate = self._cli(["migrate"], "migrate.log")
        if await asyncio.to_thread(migrate.wait) != 0:
            raise RuntimeError("snapfeed migrate failed: see migrate.log")
        self.api = self._cli(["serve", "--workers", "2"], "api.log")
        for _ in range(2):
            self.start_worker()
        await self.wait_ready(60)

    def start_worker(self) -> str:
        self._started_workers += 1
        name = f"worker{self._started_workers}"
        self.workers[name] = self._cli(["worker"], f"{name}.log")
        return name

    async def wait_ready(self, within: float) -> float:
        """Seconds until /readyz answers 200 (raises past `within`)."""
        start = time.monotonic()
        async with httpx.AsyncClient(timeout=2) as client:
            while time.monotonic() - start < within:
                self.check_api()
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{self.url}/readyz")).status_code == 200:
                        return time.monotonic() - start
                await asyncio.sleep(0.05)
        raise RuntimeError(f"the API was not ready within {within:.0f} s")

    def check_api(self) -> None:
        if self.api is None or self.api.poll() is not None:
            tail = (self.data_dir / "api.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"`snapfeed serve` exited:\n{tail}")

    def supervise_workers(self) -> list[str]:
        """Replace workers that exited on their own (as a process supervisor would); the
        names of those found dead."""
        dead = [name for name, proc in self.workers.items() if proc.poll() is not None]
        for name in dead:
            log(f"{name} exited by itself (code {self.workers.pop(name).returncode}); replaced")
            self.worker_exits.append(name)
            self.start_worker()
        return dead

    # Faults. Each returns once the dependency is back (its process answers again).

    def kill_worker(self) -> str:
        name = next(iter(self.workers))
        proc = self.workers.pop(name)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        CHILDREN.procs.remove(proc)
        replacement = self.start_worker()
        return f"killed {name} (pid {proc.pid}), started {replacement}"

    def stop_valkey(self) -> None:
        self.embedded._valkey.stop()  # type: ignore[attr-defined]  # SIGTERM: AOF flushed

    def start_valkey(self) -> None:
        self.embedded._valkey.start()  # type: ignore[attr-defined]  # same socket, same data

    def _postgres(self) -> object:
        pg = self.embedded._pg
        assert pg is not None
        return pg

    def stop_postgres(self) -> None:
        from pgserver._commands import pg_ctl  # type: ignore[attr-defined]

        pg = self._postgres()
        # Fast shutdown: sessions are ended, open transactions roll back, a checkpoint runs.
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pg.pgdata, user=pg.system_user)  # type: ignore[attr-defined]

    def start_postgres(self) -> None:
        pg = self._postgres()
        with pg._lock:  # type: ignore[attr-defined]  # pgserver's own inter-process lock
            pg.ensure_postgres_running()  # type: ignore[attr-defined]
        if pg.get_uri() != self.embedded.database_url:  # type: ignore[attr-defined]
            raise RuntimeError("PostgreSQL came back at another address")

    def stop(self) -> None:
        CHILDREN.stop_all()
        self.embedded.stop()
