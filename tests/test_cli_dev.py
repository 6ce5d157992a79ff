"""`snapfeed dev` as a user runs it: a subprocess on a free port, stopped with SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SNAPFEED_")}
    command = [sys.executable, "-m", "server.cli", "dev", "--no-seed", "--port", str(port)]
    with log.open("ab") as out:
        return subprocess.Popen(
            [*command, "--data-dir", str(data_dir)], stdout=out, stderr=subprocess.STDOUT, env=env
        )


def _wait_ready(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail("snapfeed dev did not become ready:\n" + log.read_text())


def _leftovers(data_dir: Path) -> list[str]:
    found = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(data_dir) in cmdline and proc.info["status"] != psutil.STATUS_ZOMBIE:
            found.append(cmdline)
    return found


def _stop(proc: subprocess.Popen[bytes], log: Path) -> None:
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0, log.read_text()


def _graphql(port: int, query: str) -> dict[str, object]:
    response = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": query}, timeout=10)
    body: dict[str, object] = response.json()
    return body


def test_dev_starts_serves_and_stops_cleanly_then_reuses_its_data(tmp_path: Path) -> None:
    data_dir = (tmp_path / "data").resolve()
    log = tmp_path / "dev.log"

    port = _free_port()
    proc = _start(data_dir, port, log)
    try:
        _wait_ready(port, proc, log)
        registered = _graphql(
            port,
            'mutation { register(input: {username: "first_user", password: "longenough"})'
            " { user { username } } }",
        )
        assert registered == {"data": {"register": {"user": {"username": "first_user"}}}}
        page = httpx.get(f"http://127.0.0.1:{port}/graphql", headers={"accept": "text/html"})
        assert page.status_code == 200 and "graphiql" in page.text.lower()
        assert f"http://127.0.0.1:{port}/graphql" in log.read_text()
        assert _leftovers(data_dir), "the embedded servers should run under the data dir"
    finally:
        _stop(proc, log)
    assert _leftovers(data_dir) == []

    port = _free_port()
    proc = _start(data_dir, port, log)
    try:
        _wait_ready(port, proc, log)
        found = _graphql(port, '{ user(username: "first_user") { username } }')
        assert found == {"data": {"user": {"username": "first_user"}}}
    finally:
        _stop(proc, log)
    assert _leftovers(data_dir) == []
