"""Worker liveness in pieces: back-off, schedules, scratch dirs, child processes, registry."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from resolvers.deps import Deps
from storage import jobs, keys, worker_registry
from storage.settings import Settings
from workers.imaging.processes import ChildProcesses, JobCancelled
from workers.liveness import backoff_delay, stale_scratch_dirs
from workers.settings import create_worker, every


@pytest.mark.parametrize(
    ("attempt", "delay"), [(0, 0.5), (1, 1.0), (2, 2.0), (5, 16.0), (6, 30.0), (500, 30.0)]
)
def test_backoff_doubles_up_to_a_cap(attempt: int, delay: float) -> None:
    assert backoff_delay(attempt) == delay


@pytest.mark.parametrize(
    ("seconds", "offset", "fields"),
    [
        (1, 0, {"second": set(range(60))}),
        (15, 0, {"second": {0, 15, 30, 45}}),
        (20, 10, {"second": {10, 30, 50}}),
        (60, 0, {"minute": set(range(60)), "second": {0}}),
        (60, 30, {"minute": set(range(60)), "second": {30}}),
        (300, 0, {"minute": {0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55}, "second": {0}}),
    ],
)
def test_every(seconds: int, offset: int, fields: dict[str, set[int]]) -> None:
    assert every(seconds, offset=offset) == fields


@pytest.mark.parametrize("seconds", [0, -5, 7, 45, 90, 420])
def test_every_refuses_uneven_intervals(seconds: int) -> None:
    with pytest.raises(ValueError):
        every(seconds)


def test_stale_scratch_dirs(tmp_path: Path) -> None:
    for name in ("snapfeed-media-100-a", "snapfeed-media-200-b", "snapfeed-media-x-c", "other"):
        (tmp_path / name).mkdir()
    (tmp_path / "snapfeed-media-300-file").write_text("not a dir")
    stale = stale_scratch_dirs(tmp_path, running=lambda pid: pid == 200)
    assert stale == [tmp_path / "snapfeed-media-100-a"]


def _sleeper() -> list[str]:
    return [sys.executable, "-c", "import time; time.sleep(120)"]


async def test_cancelling_a_job_kills_its_child_processes() -> None:
    children = ChildProcesses()
    running = asyncio.create_task(asyncio.to_thread(children.run, _sleeper(), timeout=120))
    while not children._running:  # noqa: ASYNC110 -- a thread fills it
        await asyncio.sleep(0.01)
    [proc] = children._running
    children.kill_all()
    result = await running
    assert result.returncode == -signal.SIGKILL
    assert proc.poll() is not None
    with pytest.raises(JobCancelled):  # a job being cancelled starts nothing new
        children.run(_sleeper(), timeout=120)


def test_a_timeout_kills_the_child() -> None:
    with pytest.raises(subprocess.TimeoutExpired):
        ChildProcesses().run(_sleeper(), timeout=0.2)


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_children_die_with_a_killed_parent() -> None:
    """The worker SIGKILLed mid-transcode: its ffmpeg must not run on for minutes."""
    parent = textwrap.dedent(
        f"""
        import sys, threading
        from workers.imaging.processes import ChildProcesses
        children = ChildProcesses()
        run = lambda: children.run({_sleeper()!r}, timeout=120)
        threading.Thread(target=run).start()
        while not children._running:
            pass
        print([p.pid for p in children._running][0], flush=True)
        threading.Event().wait()
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", parent], stdout=subprocess.PIPE, cwd=Path(__file__).parent.parent
    )
    assert proc.stdout is not None
    child = int(proc.stdout.readline())
    assert not _gone(child)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    for _ in range(500):
        if _gone(child):
            break
        time.sleep(0.02)
    assert _gone(child)


async def test_registry_releases_only_the_jobs_of_dead_workers(deps: Deps) -> None:
    redis = deps.redis
    for worker_id, job_id in (("dead", "post:1"), ("alive", "post:2")):
        await worker_registry.beat(redis, worker_id, ttl_seconds=60)
        async with redis.pipeline(transaction=True) as pipe:
            pipe.set(keys.arq_in_progress(job_id), b"1", ex=1800)
            worker_registry.record_job(pipe, worker_id, job_id, ttl_seconds=60)
            await pipe.execute()
    # The live worker has meanwhile taken over a job the dead one had recorded.
    async with redis.pipeline(transaction=True) as pipe:
        worker_registry.record_job(pipe, "dead", "post:3", ttl_seconds=60)
        worker_registry.record_job(pipe, "alive", "post:3", ttl_seconds=60)
        pipe.set(keys.arq_in_progress("post:3"), b"1", ex=1800)
        await pipe.execute()

    assert await worker_registry.recover_dead(redis) == {}  # everyone beats
    await redis.delete(keys.worker_heartbeat("dead"))  # its heartbeat expired
    assert await worker_registry.recover_dead(redis) == {"dead": ["post:1", "post:3"]}
    assert not await redis.exists(keys.arq_in_progress("post:1"))
    assert await redis.exists(keys.arq_in_progress("post:2"), keys.arq_in_progress("post:3")) == 2
    assert await redis.smembers(keys.WORKERS) == {b"alive"}  # type: ignore[misc]
    assert not await redis.exists(keys.worker_jobs("dead"))
    assert await worker_registry.recover_dead(redis) == {}


async def test_leaving_releases_the_jobs_an_outage_cut_short(deps: Deps) -> None:
    redis = deps.redis
    async with redis.pipeline(transaction=True) as pipe:
        for job_id in ("post:1", "post:2"):
            pipe.set(keys.arq_in_progress(job_id), b"1", ex=1800)
            worker_registry.record_job(pipe, "leaving", job_id, ttl_seconds=60)
        pipe.set(keys.arq_in_progress("post:3"), b"1", ex=1800)  # another worker's
        await pipe.execute()
    await worker_registry.job_done(redis, "leaving", "post:2")  # finished: arq cleared it
    await redis.delete(keys.arq_in_progress("post:2"))
    await worker_registry.leave(redis, "leaving")
    assert not await redis.exists(keys.arq_in_progress("post:1"))  # runnable again at once
    assert await redis.exists(keys.arq_in_progress("post:3"))
    assert await redis.smembers(keys.WORKERS) == set()  # type: ignore[misc]
    assert not await redis.exists(keys.worker_jobs("leaving"), keys.worker_heartbeat("leaving"))


async def test_a_worker_records_its_jobs_and_leaves_cleanly(deps: Deps, settings: Settings) -> None:
    await jobs.enqueue(deps.jobs, jobs.REFRESH_EXPLORE, job_id="refresh-now")
    worker = create_worker(settings, deps=deps, burst=True, poll_delay=0.01, cron_jobs=[])
    recorded: list[set[bytes]] = []

    async def watch(ctx: dict[str, object]) -> None:
        recorded.append(await deps.redis.smembers(keys.worker_jobs(worker.worker_id)))  # type: ignore[misc]

    worker.on_job_start = watch
    try:
        await worker.async_run()
    finally:
        await worker.close()
    assert worker.jobs_complete == 1
    assert recorded == [{b"refresh-now"}]  # claimed and recorded in one transaction
    assert await deps.redis.keys("snapfeed:worker*") == []
