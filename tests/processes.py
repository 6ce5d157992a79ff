"""Snapfeed's own CLI run as a subprocess, the way an operator runs it."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import websockets

from storage.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli_env(settings: Settings | None = None, **extra: str) -> dict[str, str]:
    """This environment without SNAPFEED_* variables, plus the test stack's when given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SNAPFEED_")}
    if settings is not None:
        assert settings.database_url and settings.redis_url and settings.secret_key
        env.update(
            SNAPFEED_DATABASE_URL=settings.database_url,
            SNAPFEED_REDIS_URL=settings.redis_url,
            SNAPFEED_SECRET_KEY=settings.secret_key,
            SNAPFEED_MEDIA_DIR=str(settings.media_root),
        )
    env.update(extra)
    return env


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "server.cli", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )


def wait_ready(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Block until /readyz answers 200 (the process must stay up meanwhile)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail("the server did not become ready:\n" + log.read_text())


async def acknowledged_socket(port: int, token: str) -> websockets.ClientConnection:
    """A graphql-transport-ws socket to a served instance, signed in and acknowledged."""
    ws = await websockets.connect(
        f"ws://127.0.0.1:{port}/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
    )
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    )
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    return ws


async def assert_closed_for_restart(ws: websockets.ClientConnection) -> None:
    """The server closed the socket as a graceful stop does."""
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), 30)
    # 1012 "service restart" (or 1001 "going away"): clients know to reconnect.
    assert closed.value.rcvd is not None and closed.value.rcvd.code in (1001, 1012)
