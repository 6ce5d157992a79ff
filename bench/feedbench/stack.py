"""Processes of the run: children stopped whatever happens, signals, the API servers."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from storage.settings import Settings

from .config import REPO
from .meters import CpuMeter


class Children:
    """Subprocesses this script started; all are stopped in `stop_all`, whatever happens."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(
        self, args: list[str], env: dict[str, str], log_path: Path
    ) -> subprocess.Popen[bytes]:
        with log_path.open("ab") as out:
            proc = subprocess.Popen(
                args,
                env=env,
                cwd=REPO,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches us only; we stop it in order
            )
        self.procs.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=timeout)
        if proc in self.procs:
            self.procs.remove(proc)

    def stop_all(self) -> None:
        for proc in list(self.procs):
            with contextlib.suppress(Exception):
                self.stop(proc)


CHILDREN = Children()


class Interrupt:
    """Ctrl-C and SIGTERM while the event loop runs: cancel the main task, and remember it.

    The flag is checked between phases too, so a cancellation absorbed somewhere below
    (a library catching CancelledError) still stops the run.
    """

    def __init__(self) -> None:
        self.signal: int | None = None

    def install(self) -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self._on_signal, sig, task)

    def _on_signal(self, sig: int, task: asyncio.Task[Any]) -> None:
        self.signal = sig
        task.cancel()

    def check(self) -> None:
        if self.signal is not None:
            raise KeyboardInterrupt


INTERRUPT = Interrupt()


@dataclass
class ApiServer:
    name: str
    url: str
    proc: subprocess.Popen[bytes]
    log_path: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(settings: Settings, strategy: str, port: int) -> dict[str, str]:
    """The child's environment: ours without any SNAPFEED_* variable, plus its settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SNAPFEED_")}
    assert settings.database_url and settings.redis_url
    env.update(
        {
            "SNAPFEED_DATABASE_URL": settings.database_url,
            "SNAPFEED_REDIS_URL": settings.redis_url,
            "SNAPFEED_DATA_DIR": str(settings.data_dir),
            "SNAPFEED_HOST": "127.0.0.1",
            "SNAPFEED_PORT": str(port),
            "SNAPFEED_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "SNAPFEED_SECRET_KEY": settings.secret_key or "",
            "SNAPFEED_MEDIA_DIR": str(settings.media_root),
            "SNAPFEED_CELEBRITY_FOLLOWERS": str(settings.celebrity_followers),
            "SNAPFEED_ACTIVE_DAYS": str(settings.active_days),
            "SNAPFEED_FEED_STRATEGY": strategy,
            "SNAPFEED_FEED_RANK_WEIGHTS": settings.feed_rank_weights,
            "SNAPFEED_LOG_LEVEL": "WARNING",
        }
    )
    return env


async def start_server(settings: Settings, strategy: str, cpu: CpuMeter) -> ApiServer:
    """`uvicorn server.asgi:app` with this feed strategy, once /readyz answers 200."""
    port = free_port()
    log_path = settings.data_dir / f"api-{strategy}.log"
    proc = CHILDREN.start(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "server.asgi:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        server_env(settings, strategy, port),
        log_path,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(timeout=2) as client:
        while True:
            if proc.poll() is not None:
                tail = log_path.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"the {strategy} API server exited:\n{tail}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"{url}/readyz")).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the {strategy} API server did not become ready")
            await asyncio.sleep(0.1)
    cpu.server_pids[strategy] = proc.pid
    return ApiServer(strategy, url, proc, log_path)
