"""The API under test: `snapfeed serve --workers N` as a subprocess, and its CPU time."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sys
import time
from pathlib import Path

import httpx
from feedbench.console import log
from feedbench.meters import CpuMeter, _proc_stat, context_switches, system_seconds
from feedbench.stack import CHILDREN, ApiServer, free_port, server_env

from storage.settings import Settings

from . import split


def process_tree(root: int) -> dict[int, float]:
    """CPU seconds of `root` and every live descendant, by pid (the uvicorn supervisor and
    its worker processes)."""
    children: dict[int, list[int]] = {}
    seconds: dict[int, float] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        info = _proc_stat(int(name))
        if info is not None:
            _comm, ppid, cpu = info
            children.setdefault(ppid, []).append(int(name))
            seconds[int(name)] = cpu
    tree: dict[int, float] = {}
    todo = [root]
    while todo:
        pid = todo.pop()
        if pid in seconds and pid not in tree:
            tree[pid] = seconds[pid]
            todo.extend(children.get(pid, []))
    return tree


def spawned_workers(root: int) -> int:
    """Worker processes the uvicorn supervisor has spawned so far (multiprocessing spawn;
    its resource tracker is a child too, but not a worker)."""
    count = 0
    for pid in process_tree(root):
        with contextlib.suppress(OSError):
            if b"multiprocessing.spawn" in Path(f"/proc/{pid}/cmdline").read_bytes():
                count += 1
    return count


class ApiCpuMeter(CpuMeter):
    """feedbench's meter (PostgreSQL, Valkey, machine), plus the API process tree as "api"."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir)
        self.api_root: int | None = None

    def snapshot(self) -> dict[str, float]:
        groups = super().snapshot()
        tree = process_tree(self.api_root) if self.api_root else {}
        groups["api"] = sum(tree.values())
        groups.update({f"{split.PREFIX}{pid}": seconds for pid, seconds in tree.items()})
        groups["api_system"] = sum(system_seconds(pid) for pid in tree)
        switches = [context_switches(pid) for pid in tree]
        groups["api_sleeps"] = float(sum(v for v, _ in switches))
        groups["api_preempted"] = float(sum(i for _, i in switches))
        return groups


def snapfeed_command() -> list[str]:
    """The `snapfeed` console script of this interpreter's environment."""
    script = Path(sys.executable).parent / "snapfeed"
    if script.exists():
        return [str(script)]
    found = shutil.which("snapfeed")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from server.cli import main; sys.exit(main())"]


async def start_api(settings: Settings, workers: int, meter: ApiCpuMeter) -> ApiServer:
    """`snapfeed serve --workers N`, once /readyz answers and all N workers are up."""
    port = free_port()
    name = f"serve --workers {workers}"
    log_path = settings.data_dir / f"api-workers-{workers}.log"
    proc = CHILDREN.start(
        [*snapfeed_command(), "serve", "--workers", str(workers)],
        server_env(settings, settings.feed_strategy, port),
        log_path,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    async with httpx.AsyncClient(timeout=2) as client:
        while True:
            if proc.poll() is not None:
                tail = log_path.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"`snapfeed {name}` exited:\n{tail}")
            with contextlib.suppress(httpx.HTTPError):
                ready = (await client.get(f"{url}/readyz")).status_code == 200
                if ready and (workers == 1 or spawned_workers(proc.pid) >= workers):
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"`snapfeed {name}` did not become ready")
            await asyncio.sleep(0.2)
    meter.api_root = proc.pid
    log(f"`snapfeed {name}` ready: {len(process_tree(proc.pid))} process(es) in its tree")
    return ApiServer(name, url, proc, log_path)


def stop_api(server: ApiServer, meter: ApiCpuMeter) -> None:
    """SIGTERM to the supervisor (it stops its workers); a worker still alive after that
    (in the server's own process group, it was started in a session of its own) is killed."""
    meter.api_root = None
    tree = list(process_tree(server.proc.pid))
    CHILDREN.stop(server.proc)
    for pid in tree:
        with contextlib.suppress(OSError):
            if os.getpgid(pid) == server.proc.pid:
                os.kill(pid, signal.SIGKILL)
