"""The read benchmark's paced wrk runs (bench/readbench/wrk.py): requests leave at the
offered rate, not as fast as a server answers, so latency is measured at that throughput.
Driven against a small HTTP server in this process, with Debian's wrk as the benchmark uses
it (skipped where wrk is not installed: the benchmark installs it, tests do not)."""

from __future__ import annotations

import asyncio
import importlib
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

_BENCH = Path(__file__).resolve().parent.parent / "bench"
if str(_BENCH) not in sys.path:
    sys.path.append(str(_BENCH))

# Not a package mypy checks (the benchmarks are scripts with their own environment).
bench_wrk: Any = importlib.import_module("readbench.wrk")

WRK = shutil.which("wrk")
pytestmark = pytest.mark.skipif(WRK is None, reason="Debian's wrk is not installed")

ANSWER = (
    b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"data": 1}'
)
SECONDS = 2


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            writer.write(ANSWER)
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def _run(
    tmp_path: Path, url: str, connections: int, rate: float | None, log: str | None = None
) -> Any:
    interval = None if rate is None else 1000 / rate  # one wrk thread
    script = tmp_path / f"paced-{rate}.lua"
    script.write_text(bench_wrk.lua_script(b'{"query": "{ x }"}', ["token"], interval_ms=interval))
    assert WRK is not None
    return await bench_wrk.run_wrk(
        WRK,
        url,
        script,
        connections=connections,
        duration=SECONDS,
        threads=1,
        log_path=tmp_path / (log or f"wrk-{rate}.log"),
    )


@pytest.mark.timeout(60)
async def test_a_paced_run_offers_its_rate_and_no_more(tmp_path: Path) -> None:
    server = await asyncio.start_server(_serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    try:
        free = await _run(tmp_path, url, 4, None)
        slow = await _run(tmp_path, url, 4, 100.0)
        fast = await _run(tmp_path, url, 8, 300.0)
    finally:
        server.close()
        await server.wait_closed()
    for run in (free, slow, fast):
        assert run.socket_errors == run.bad_status == run.gql_errors == 0
    # Unpaced, the connections ask as fast as they are answered: far more than either rate.
    assert free.req_per_s > 1000
    # Paced, the rate offered, whatever the connections could get answered.
    assert slow.req_per_s == pytest.approx(100, rel=0.05)
    assert fast.req_per_s == pytest.approx(300, rel=0.05)


@pytest.mark.timeout(60)
async def test_runs_sharing_a_log_each_read_their_own_result(tmp_path: Path) -> None:
    # The benchmark's rounds and slices run the same request into the same log; each run's
    # figures must be its own, not the first run's still at the top of the file.
    server = await asyncio.start_server(_serve, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        first = await _run(tmp_path, url, 4, 100.0, log="shared.log")
        second = await _run(tmp_path, url, 4, 300.0, log="shared.log")
    finally:
        server.close()
        await server.wait_closed()
    assert first.req_per_s == pytest.approx(100, rel=0.05)
    assert second.req_per_s == pytest.approx(300, rel=0.05)
    assert (tmp_path / "shared.log").read_text().count(bench_wrk.MARKER) >= 2


def test_an_interval_must_be_positive() -> None:
    with pytest.raises(ValueError):
        bench_wrk.lua_script(b"{}", ["token"], interval_ms=0)
