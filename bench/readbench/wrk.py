"""Load from Debian's `wrk`: a Lua script rotating bearer tokens, one run, its summary."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from feedbench.console import log
from feedbench.stack import CHILDREN

MARKER = "READBENCH "

# Requests are formatted once per token in init(); request() only rotates through them, so
# the script costs wrk next to nothing. response() counts answers that are not a clean 200
# (status, or an "errors" key in the body); done() sums the threads' counts and prints one
# JSON line with wrk's latency percentiles (microseconds).
LUA_TEMPLATE = """-- written by bench/readbench/wrk.py
local tokens = {
%(tokens)s
}
local body = [==[%(body)s]==]
local reqs = {}
local n = 0
local i = 0
local threads = {}
gql_errors = 0

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  for k, token in ipairs(tokens) do
    reqs[k] = wrk.format("POST", "%(path)s", {
      ["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer " .. token,
    }, body)
  end
  n = #reqs
  i = ((id or 0) * 97) %% n
end

%(pacing)s
function request()
  i = i %% n + 1
  return reqs[i]
end

function response(status, headers, resp_body)
  if status ~= 200 or string.find(resp_body, '"errors"', 1, true) then
    gql_errors = gql_errors + 1
  end
end

function done(summary, latency, requests)
  local errors = 0
  for _, t in ipairs(threads) do
    errors = errors + (t:get("gql_errors") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    '%(marker)s{"requests": %%d, "duration_us": %%d, "socket_errors": %%d, "bad_status": %%d,'
    .. ' "gql_errors": %%d, "mean_us": %%.1f, "max_us": %%d, "p50_us": %%d, "p90_us": %%d,'
    .. ' "p95_us": %%d, "p99_us": %%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    errors, latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99)))
end
"""


# Paced runs: requests leave at a steady rate (slots `interval` ms apart, per wrk thread),
# whichever connection is free takes the next slot, and a connection waits for it in delay().
# So latency is measured at that throughput, not at saturation, where with closed-loop
# connections it is only connections / throughput (Little's law). A server that cannot keep
# up leaves slots unused: wrk then reports fewer requests than offered. Like wrk (unlike
# wrk2), latency is timed from the send, not from the slot. The clock is clock_gettime
# through LuaJIT's FFI (Debian's wrk is built on LuaJIT); delay() takes whole milliseconds,
# and the schedule, not each delay, keeps the rate.
PACING_TEMPLATE = """local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } readbench_timespec;
int clock_gettime(int clk_id, readbench_timespec *tp);
]]
local clock = ffi.new("readbench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end
local interval = %(interval)r
local next_at = nil

function delay()
  local now = now_ms()
  -- A slot missed by more than a second is gone: a stalled server is not made up for by
  -- a burst afterwards.
  if next_at == nil or next_at < now - 1000 then
    next_at = now
  end
  next_at = next_at + interval
  local wait = next_at - now
  if wait < 0 then
    return 0
  end
  return wait
end
"""


def lua_script(
    body: bytes, tokens: Sequence[str], path: str = "/graphql", *, interval_ms: float | None = None
) -> str:
    """The script; with `interval_ms`, each wrk thread sends a request every interval_ms."""
    if interval_ms is not None and not interval_ms > 0:
        raise ValueError("interval_ms must be positive")
    pacing = "" if interval_ms is None else PACING_TEMPLATE % {"interval": interval_ms}
    text = body.decode()
    if "]==]" in text:
        raise ValueError("the request body cannot be quoted in Lua")
    for token in tokens:
        if not token.replace("-", "").replace("_", "").isalnum():
            raise ValueError("tokens are expected to be URL-safe base64")
    return LUA_TEMPLATE % {
        "tokens": "\n".join(f'  "{t}",' for t in tokens),
        "body": text,
        "path": path,
        "marker": MARKER,
        "pacing": pacing,
    }


def ensure_wrk() -> str:
    """wrk's path; installed with apt-get when missing and this runs as root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit("wrk is not installed: run `sudo apt-get install -y wrk`, then again")
    log("installing wrk (apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "wrk"]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
        subprocess.run(install, env=env, capture_output=True)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("could not install wrk with apt-get; install it, then run again")
    return found


@dataclass
class WrkResult:
    requests: int
    seconds: float
    req_per_s: float
    mean_ms: float
    max_ms: float
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    socket_errors: int
    bad_status: int
    gql_errors: int


async def run_wrk(
    wrk: str,
    url: str,
    script: Path,
    *,
    connections: int,
    duration: float,
    threads: int,
    log_path: Path,
) -> WrkResult:
    """One wrk run to its end (polled, so Ctrl-C still reaches this task). Its output is
    appended to `log_path`, and only what this run appended is read."""
    start = _size(log_path)
    proc = CHILDREN.start(
        [
            wrk,
            f"-t{min(threads, connections)}",
            f"-c{connections}",
            f"-d{max(1, round(duration))}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            url,
        ],
        dict(os.environ),
        log_path,
    )
    deadline = time.monotonic() + duration + 60
    try:
        while proc.poll() is None:
            if time.monotonic() > deadline:
                raise RuntimeError(f"wrk did not finish; see {log_path}")
            await asyncio.sleep(0.05)
    finally:
        CHILDREN.stop(proc)
    return _summary(log_path, proc.returncode, start)


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def _summary(log_path: Path, returncode: int | None, start: int) -> WrkResult:
    """The result of the run whose output begins at byte `start` of `log_path` (runs with the
    same log append to it: a later run must not read an earlier one's result)."""
    with log_path.open("rb") as log:
        log.seek(start)
        output = log.read().decode(errors="replace")
    line = next((x for x in output.splitlines() if x.startswith(MARKER)), None)
    if returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed (exit {returncode}):\n{output[-2000:]}")
    raw = json.loads(line[len(MARKER) :])
    seconds = raw["duration_us"] / 1e6
    return WrkResult(
        requests=raw["requests"],
        seconds=seconds,
        req_per_s=raw["requests"] / seconds if seconds else 0.0,
        mean_ms=raw["mean_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p95_ms=raw["p95_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        socket_errors=raw["socket_errors"],
        bad_status=raw["bad_status"],
        gql_errors=raw["gql_errors"],
    )
