"""`snapfeed dev` as a user runs it: a subprocess on a free port, stopped with SIGTERM."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil
import pytest

from server.embedded_cassandra import missing_tools
from tests import processes


def _start(data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    args = ["dev", "--no-seed", "--port", str(port), "--data-dir", str(data_dir)]
    return processes.start(args, processes.cli_env(), log)


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

    port = processes.free_port()
    proc = _start(data_dir, port, log)
    try:
        processes.wait_ready(port, proc, log)
        registered = _graphql(
            port,
            'mutation { register(input: {username: "first_user", password: "longenough"})'
            " { user { username } } }",
        )
        assert registered["data"] == {"register": {"user": {"username": "first_user"}}}
        page = httpx.get(f"http://127.0.0.1:{port}/graphql", headers={"accept": "text/html"})
        assert page.status_code == 200 and "graphiql" in page.text.lower()
        assert f"http://127.0.0.1:{port}/graphql" in log.read_text()
        assert '"event loop: uvloop"' in log.read_text()  # JSON logs: the message is quoted
        assert _leftovers(data_dir), "the embedded servers should run under the data dir"
    finally:
        _stop(proc, log)
    assert _leftovers(data_dir) == []

    port = processes.free_port()
    proc = _start(data_dir, port, log)
    try:
        processes.wait_ready(port, proc, log)
        found = _graphql(port, '{ user(username: "first_user") { username } }')
        assert found["data"] == {"user": {"username": "first_user"}}
    finally:
        _stop(proc, log)
    assert _leftovers(data_dir) == []


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _wait(what: str, check: Callable[[], bool], proc: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(1200):  # a generous bound: each server restarts in well under a second
        assert proc.poll() is None, log.read_text()
        if check():
            return
        time.sleep(0.1)
    pytest.fail(f"never happened: {what}\n{log.read_text()}")


def _valkey(dev: subprocess.Popen[bytes]) -> psutil.Process:
    [valkey] = _valkeys(dev)
    return valkey


def _valkeys(dev: subprocess.Popen[bytes]) -> list[psutil.Process]:
    """The live Valkey children: none while one restarts, and a killed one stays listed as
    a zombie until `dev` reaps it."""
    found = []
    for child in psutil.Process(dev.pid).children():
        with contextlib.suppress(psutil.NoSuchProcess):
            if "valkey" in child.name() and child.status() != psutil.STATUS_ZOMBIE:
                found.append(child)
    return found


def _postmaster_pid(data_dir: Path) -> int | None:
    """From PostgreSQL's lock file; None while it is (re)starting."""
    try:
        return int((data_dir / "postgres" / "postmaster.pid").read_text().split()[0])
    except (FileNotFoundError, IndexError, ValueError):
        return None


@pytest.mark.timeout(180)
def test_dev_restarts_an_embedded_server_that_died(tmp_path: Path) -> None:
    data_dir = (tmp_path / "data").resolve()
    log = tmp_path / "dev.log"
    port = processes.free_port()
    proc = _start(data_dir, port, log)
    try:
        processes.wait_ready(port, proc, log)
        registered = _graphql(
            port,
            'mutation { register(input: {username: "survivor", password: "longenough"})'
            " { user { username } } }",
        )
        assert registered["data"] == {"register": {"user": {"username": "survivor"}}}

        killed = _valkey(proc)
        killed.kill()
        _wait(
            "Valkey comes back",
            lambda: [v.pid for v in _valkeys(proc)] not in ([], [killed.pid]),
            proc,
            log,
        )
        _wait("/readyz is ok again", lambda: _ready(port), proc, log)

        postmaster = _postmaster_pid(data_dir)
        assert postmaster is not None
        psutil.Process(postmaster).kill()
        _wait(
            "PostgreSQL comes back",
            lambda: _postmaster_pid(data_dir) not in (None, postmaster) and _ready(port),
            proc,
            log,
        )
        # The API serves again from both, and the data is still there.
        found = _graphql(port, '{ user(username: "survivor") { username } }')
        assert found["data"] == {"user": {"username": "survivor"}}
        login = _graphql(
            port,
            'mutation { login(username: "survivor", password: "longenough") { token } }',
        )
        assert "errors" not in login, login
        text = log.read_text()
        assert "restarting it" in text
    finally:
        _stop(proc, log)
    assert _leftovers(data_dir) == []


@pytest.mark.timeout(240)
def test_dev_keeps_feeds_in_an_embedded_cassandra(tmp_path: Path) -> None:
    missing = missing_tools()
    if missing:
        pytest.skip(f"the embedded Cassandra needs java and mvn: {' and '.join(missing)} not found")
    data_dir = (tmp_path / "data").resolve()
    log = tmp_path / "dev.log"
    port = processes.free_port()
    args = ["dev", "--no-seed", "--feed-store", "cassandra", "--port", str(port)]
    proc = processes.start([*args, "--data-dir", str(data_dir)], processes.cli_env(), log)
    try:
        # The node starts before the API: longer than processes.wait_ready allows.
        _wait("/readyz is ok", lambda: _ready(port), proc, log)
        registered = _graphql(
            port,
            'mutation { register(input: {username: "reader", password: "longenough"}) { token } }',
        )
        token = registered["data"]["register"]["token"]  # type: ignore[index]
        feed = httpx.post(
            f"http://127.0.0.1:{port}/graphql",
            json={"query": "{ feed(first: 5) { edges { cursor } } }"},
            headers={"authorization": f"Bearer {token}"},
            timeout=10,
        ).json()
        assert feed["data"] == {"feed": {"edges": []}}, feed
        # The feed store made its keyspace and table in the node under the data dir.
        tables = data_dir / "cassandra" / "data" / "data" / "snapfeed"
        assert [p.name.split("-")[0] for p in tables.iterdir()].count("feed_items") == 1
        assert any("CassandraDaemon" in c for c in _leftovers(data_dir))
    finally:
        _stop(proc, log)
    assert _leftovers(data_dir) == []  # the JVM stopped with the rest
