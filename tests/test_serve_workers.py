"""`snapfeed serve --workers N` (server/dispatch.py) as an operator runs it: connections handed
to the workers in turn, a dead worker replaced, a graceful stop."""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from server import dispatch
from storage.settings import Settings
from tests import processes
from tests.client import GraphQLClient

WORKERS = 2


@pytest.fixture
def served(settings: Settings, tmp_path: Path) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    port = processes.free_port()
    log = tmp_path / "serve.log"
    proc = processes.start(
        ["serve", "--workers", str(WORKERS)],
        processes.cli_env(settings, SNAPFEED_PORT=str(port)),
        log,
    )
    try:
        processes.wait_ready(port, proc, log)
        wait_for(lambda: len(workers(proc)) == WORKERS, log)
        yield port, proc
    finally:
        kill_all(proc)


def kill_all(proc: subprocess.Popen[bytes]) -> None:
    """The supervisor and every worker, however far they got."""
    if proc.poll() is None:
        for child in psutil.Process(proc.pid).children(recursive=True):
            child.kill()
        proc.kill()
    proc.wait()


def workers(proc: subprocess.Popen[bytes]) -> list[psutil.Process]:
    return [
        child
        for child in psutil.Process(proc.pid).children()
        if "spawn_main" in " ".join(child.cmdline()) and child.status() != psutil.STATUS_ZOMBIE
    ]


def wait_for(condition: Callable[[], bool], log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("not in time:\n" + log.read_text())
        time.sleep(0.05)


def ready(sock: socket.socket) -> bytes:
    """One keep-alive request on an open connection, its answer read whole; its status line."""
    sock.sendall(b"GET /readyz HTTP/1.1\r\nHost: snapfeed.test\r\n\r\n")
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = sock.recv(4096)
        assert chunk, "closed without an answer"
        answer += chunk
    head, body = answer.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    length = next(
        int(v)
        for k, _, v in (line.partition(b":") for line in lines[1:])
        if k.lower() == b"content-length"
    )
    while len(body) < length:
        chunk = sock.recv(4096)
        assert chunk, "closed halfway through an answer"
        body += chunk
    return lines[0]


def held_connections(port: int, proc: subprocess.Popen[bytes]) -> list[int]:
    """Established connections to `port` each worker holds, busiest first."""
    return sorted(
        (
            sum(
                1
                for c in worker.net_connections(kind="tcp")
                if c.status == psutil.CONN_ESTABLISHED and c.laddr and c.laddr.port == port
            )
            for worker in workers(proc)
        ),
        reverse=True,
    )


def test_connections_are_handed_to_the_workers_in_turn(
    served: tuple[int, subprocess.Popen[bytes]],
) -> None:
    port, proc = served
    # Opened all at once, as a proxy's pool or a load generator opens them.
    connections = [socket.create_connection(("127.0.0.1", port)) for _ in range(8)]
    try:
        for sock in connections:
            assert ready(sock) == b"HTTP/1.1 200 OK"
        assert held_connections(port, proc) == [4, 4]
        for sock in connections:  # kept alive: each stays with its worker
            assert ready(sock) == b"HTTP/1.1 200 OK"
    finally:
        for sock in connections:
            sock.close()


def test_a_dead_worker_is_replaced(
    served: tuple[int, subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    port, proc = served
    victim = workers(proc)[0]
    victim.kill()
    victim.wait()
    wait_for(
        lambda: len(workers(proc)) == WORKERS and victim.pid not in [w.pid for w in workers(proc)],
        tmp_path / "serve.log",
    )
    processes.wait_ready(port, proc, tmp_path / "serve.log")
    for _ in range(2 * WORKERS):  # every new connection is answered, whichever worker gets it
        with socket.create_connection(("127.0.0.1", port)) as sock:
            assert ready(sock) == b"HTTP/1.1 200 OK"
    assert "exited" in (tmp_path / "serve.log").read_text()


async def test_sigterm_lets_every_worker_close_gracefully(
    served: tuple[int, subprocess.Popen[bytes]], gql: GraphQLClient
) -> None:
    port, proc = served
    token, _ = await gql.register("last_socket")
    # One subscription socket on each worker.
    sockets = [await processes.acknowledged_socket(port, token) for _ in range(WORKERS)]
    assert held_connections(port, proc) == [1, 1]
    children = workers(proc)

    proc.send_signal(signal.SIGTERM)
    for ws in sockets:
        await processes.assert_closed_for_restart(ws)
    assert await asyncio.to_thread(proc.wait, 60) == 0
    assert not [child for child in children if child.is_running() and child.status() != "zombie"]


@pytest.mark.parametrize(
    ("young_failures", "seconds"),
    [(0, 0.0), (1, 0.5), (2, 1.0), (3, 2.0), (6, 16.0), (7, 30.0), (1000, 30.0)],
)
def test_restart_delay_doubles_up_to_a_ceiling(young_failures: int, seconds: float) -> None:
    assert dispatch.restart_delay(young_failures) == seconds


def test_workers_that_die_at_start_up_are_restarted_ever_more_slowly(
    settings: Settings, tmp_path: Path
) -> None:
    log = tmp_path / "serve.log"
    # Nothing listens on port 1: every worker's start-up fails.
    env = processes.cli_env(
        settings,
        SNAPFEED_PORT=str(processes.free_port()),
        SNAPFEED_DATABASE_URL="postgresql://snapfeed@127.0.0.1:1/snapfeed",
    )
    proc = processes.start(["serve", "--workers", str(WORKERS)], env, log)
    try:
        # Each of the two slots: its third young death, after pauses of 0.5 and 1 s.
        wait_for(lambda: restart_pauses(log).count(2.0) == WORKERS, log)
        pauses = restart_pauses(log)
        assert sorted(pauses) == [0.5] * WORKERS + [1.0] * WORKERS + [2.0] * WORKERS, pauses
        assert proc.poll() is None  # the supervisor stays up, still accepting
    finally:
        kill_all(proc)


def restart_pauses(log: Path) -> list[float]:
    return [float(p) for p in re.findall(r"starting another in ([0-9.]+) s", log.read_text())]
