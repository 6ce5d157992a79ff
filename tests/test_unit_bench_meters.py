"""The benchmarks' context-switch counts (bench/feedbench/meters.py), read from /proc: a
thread that sleeps is counted as going to sleep, a thread that cannot run for another is
counted as preempted, and a process that is gone counts nothing."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

_BENCH = Path(__file__).resolve().parent.parent / "bench"
if str(_BENCH) not in sys.path:
    sys.path.append(str(_BENCH))

# Not a package mypy checks (the benchmarks are scripts with their own environment).
meters: Any = importlib.import_module("feedbench.meters")

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="Linux /proc only")


def test_sleeps_of_every_thread_are_counted() -> None:
    slept, leave = threading.Event(), threading.Event()

    def sleeper() -> None:
        for _ in range(20):
            time.sleep(0.001)
        slept.set()
        leave.wait()  # read while alive: a thread's counts go with it

    before, _ = meters.context_switches(os.getpid())
    thread = threading.Thread(target=sleeper)
    thread.start()
    try:
        assert slept.wait(timeout=10)
        after, _ = meters.context_switches(os.getpid())
    finally:
        leave.set()
        thread.join()
    # The other thread's sleeps count only if every thread is read, not just the main one.
    assert after - before >= 20


def test_a_process_kept_from_its_cpu_is_counted_as_preempted() -> None:
    # Two busy processes on one CPU: the scheduler takes it from each in turn.
    spin = "import time\nend = time.monotonic() + 1.0\nwhile time.monotonic() < end: pass\n"
    cpu = min(os.sched_getaffinity(0))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", f"import os; os.sched_setaffinity(0, {{{cpu}}})\n{spin}"]
        )
        for _ in range(2)
    ]
    try:
        time.sleep(0.6)
        counts = [meters.context_switches(p.pid) for p in procs]
    finally:
        for p in procs:
            p.wait(timeout=10)
    assert all(involuntary > 0 for _, involuntary in counts), counts


def test_a_process_that_is_gone_counts_nothing() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=10)
    assert meters.context_switches(proc.pid) == (0, 0)
