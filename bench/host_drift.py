"""How much this machine's speed changes from one second to the next.

    python bench/host_drift.py [--seconds 40] [--cpu 0] [--json out.json]

Runs one fixed piece of pure Python (dict and str work, no I/O, no allocation that grows)
over and over on one pinned CPU with nothing of Snapfeed running, and prints the CPU time
each run took, as the median of each second, against the fastest second. On a dedicated
core every second is alike; on a shared virtual CPU (another guest on the same physical
core) the same work takes more CPU time in some seconds than in others. That is why
bench/read_path.py measures a page and the floor in alternating slices
(bench/readbench/pairs.py) instead of minutes apart.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path


def unit() -> None:
    d: dict[int, tuple[int, str]] = {}
    for i in range(100_000):
        d[i % 1000] = (i, str(i))


def per_second(seconds: float) -> list[float]:
    """Median CPU milliseconds of `unit` in each wall-clock second."""
    out: list[float] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        second_end = min(end, time.monotonic() + 1.0)
        runs: list[float] = []
        while time.monotonic() < second_end:
            started = time.process_time()
            unit()
            runs.append(1000 * (time.process_time() - started))
        if runs:
            out.append(statistics.median(runs))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--cpu", type=int, default=0, help="the CPU to pin to")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    os.sched_setaffinity(0, {args.cpu})
    unit()
    seconds = per_second(args.seconds)
    fastest = min(seconds)
    print(f"CPU ms of one unit of pure Python, median of each second, pinned to CPU {args.cpu}")
    print(" ".join(f"{s:.1f}" for s in seconds))
    print(
        f"fastest second {fastest:.1f} ms, median {statistics.median(seconds):.1f} ms,"
        f" slowest {max(seconds):.1f} ms ({max(seconds) / fastest:.2f}x the fastest);"
        f" seconds over 1.2x the fastest: {sum(s > 1.2 * fastest for s in seconds)}"
        f" of {len(seconds)}"
    )
    if args.json:
        args.json.write_text(json.dumps({"cpu": args.cpu, "per_second_ms": seconds}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
