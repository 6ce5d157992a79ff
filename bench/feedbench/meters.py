"""Measuring: CPU seconds per part of the stack from /proc, and percentiles."""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Sequence
from pathlib import Path

_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def _stat_fields(pid: int) -> tuple[str, list[str]] | None:
    """A process's name and the fields of /proc/<pid>/stat after it, None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.find("(") + 1 : raw.rfind(")")], raw[raw.rfind(")") + 2 :].split()


def _proc_stat(pid: int) -> tuple[str, int, float] | None:
    """(comm, ppid, cpu seconds) of a process, None when it is gone."""
    fields = _stat_fields(pid)
    if fields is None:
        return None
    comm, rest = fields
    return comm, int(rest[1]), (int(rest[11]) + int(rest[12])) / _CLK_TCK


def system_seconds(pid: int) -> float:
    """The kernel's part of a process's CPU seconds (0 when it is gone)."""
    fields = _stat_fields(pid)
    return 0.0 if fields is None else int(fields[1][12]) / _CLK_TCK


def context_switches(pid: int) -> tuple[int, int]:
    """(voluntary, involuntary) context switches of all a process's threads: a voluntary one
    is a thread going to sleep (waiting for I/O), an involuntary one the scheduler taking
    its CPU away while it could run. (0, 0) when it is gone; a thread that has ended is not
    counted any more, so a delta covers the threads that lived through it."""
    voluntary = involuntary = 0
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/task/{task}/status").read_text().splitlines():
                    if line.startswith("voluntary_ctxt_switches:"):
                        voluntary += int(line.split()[1])
                    elif line.startswith("nonvoluntary_ctxt_switches:"):
                        involuntary += int(line.split()[1])
    return voluntary, involuntary


def _machine_busy() -> tuple[float, float, float]:
    """(busy, total, steal) CPU seconds of the whole machine since boot; steal is the time
    the hypervisor gave its CPUs to others."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0.0, 0.0, 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    total = sum(fields[:8])
    steal = fields[7] if len(fields) > 7 else 0
    return (total - idle) / _CLK_TCK, total / _CLK_TCK, steal / _CLK_TCK


class CpuMeter:
    """CPU seconds used by each part of the stack, read from /proc (Linux only)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.server_pids: dict[str, int] = {}

    def _postmaster(self) -> int | None:
        try:
            return int((self.data_dir / "postgres" / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def snapshot(self) -> dict[str, float]:
        groups: dict[str, float] = {}
        postmaster = self._postmaster()
        valkey_dir = str((self.data_dir / "valkey").resolve())
        server_of = {pid: name for name, pid in self.server_pids.items()}
        me = os.getpid()
        try:
            pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
        except OSError:
            return groups
        for pid in pids:
            info = _proc_stat(pid)
            if info is None:
                continue
            comm, ppid, seconds = info
            group: str | None = None
            if pid == me:
                group = "client"
            elif pid in server_of:
                group = f"api:{server_of[pid]}"
            elif postmaster is not None and (pid == postmaster or ppid == postmaster):
                group = "postgres"
            elif comm.startswith("valkey"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{pid}/cwd") == valkey_dir:
                        group = "valkey"
            if group is not None:
                groups[group] = groups.get(group, 0.0) + seconds
        busy, total, steal = _machine_busy()
        groups["machine_busy"], groups["machine_total"] = busy, total
        groups["machine_steal"] = steal
        return groups

    @staticmethod
    def delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        keys = set(before) | set(after)
        return {k: after.get(k, 0.0) - before.get(k, 0.0) for k in keys}


def cpu_split(used: dict[str, float], api: str | None) -> dict[str, float]:
    """CPU seconds of the API server under test, PostgreSQL, Valkey, this process, the rest."""
    split = {
        "api": used.get(f"api:{api}", 0.0) if api else 0.0,
        "postgres": used.get("postgres", 0.0),
        "valkey": used.get("valkey", 0.0),
        "client": used.get("client", 0.0),
    }
    ours = sum(split.values()) + sum(
        v for k, v in used.items() if k.startswith("api:") and k != f"api:{api}"
    )
    split["other"] = max(0.0, used.get("machine_busy", 0.0) - ours)
    return split
