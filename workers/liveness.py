"""A worker that survives Redis outages, and recovery of the jobs of workers that died.

- Outages: arq's worker exits at the first Redis error (and keeps the job slot it was
  taking). This one waits with back-off and carries on once Redis answers again.
- Death (SIGKILL, OOM, power): arq leaves the job's in-progress key until the job's timeout.
  This worker beats a heartbeat and records its job ids (storage.worker_registry);
  `recover_dead_workers` releases the jobs of workers whose heartbeat stopped.
- Scratch files: jobs work in temp dirs named with the worker's pid; at start-up a worker
  removes those of pids that no longer run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import secrets
import shutil
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from arq.utils import timestamp_ms
from arq.worker import Worker
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError, WatchError

from storage import keys, worker_registry
from storage.unavailable import UNAVAILABLE
from workers.renditions import TEMP_PREFIX

logger = logging.getLogger("snapfeed.workers.liveness")

BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 30.0
# A worker is dead once this many heartbeats in a row are missing.
MISSED_BEATS = 3


def backoff_delay(attempt: int, *, base: float = BACKOFF_BASE_SECONDS) -> float:
    """Seconds to wait before retry number `attempt` (0, 1, 2, ...): doubling, capped."""
    return min(BACKOFF_CAP_SECONDS, base * 2.0 ** min(attempt, 16))


class SnapfeedWorker(Worker):
    def __init__(self, *args: Any, heartbeat_seconds: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._heartbeat_seconds = heartbeat_seconds
        self._ttl = heartbeat_seconds * MISSED_BEATS
        self._outages = 0
        # Jobs whose run ended on a Redis error: arq may not have finished them, so their
        # in-progress keys are released once Redis answers again.
        self._unreleased: set[str] = set()
        # Claims whose transaction lost its connection: they may or may not have landed.
        self._unsettled: set[str] = set()
        given_shutdown = self.on_shutdown

        async def shutdown(ctx: dict[Any, Any]) -> None:
            # arq calls this from close() once every job has finished or been re-queued.
            with contextlib.suppress(*UNAVAILABLE):
                await worker_registry.leave(self.pool, self.worker_id)
            if given_shutdown is not None:
                await given_shutdown(ctx)

        self.on_shutdown = shutdown

    async def main(self) -> None:
        beat = asyncio.create_task(self._beat_forever(), name="worker-heartbeat")
        try:
            while True:
                try:
                    await super().main()
                    return
                except UNAVAILABLE as exc:  # at start-up (arq gives up after 5 tries)
                    if self.burst:
                        raise
                    await self._wait_out_outage(exc)
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat

    async def _poll_iteration(self) -> None:
        try:
            await super()._poll_iteration()
        except UNAVAILABLE as exc:
            if self.burst:
                raise
            await self._wait_out_outage(exc)
        else:
            if self._outages:
                logger.info("Redis is back; picking jobs again")
            self._outages = 0

    async def _wait_out_outage(self, exc: BaseException) -> None:
        delay = backoff_delay(self._outages)
        self._outages += 1
        logger.warning("Redis or PostgreSQL unavailable (%r); retrying in %.1f s", exc, delay)
        await asyncio.sleep(delay)

    async def start_jobs(self, job_ids: list[bytes]) -> None:
        """arq's, except that the claim also records the job as this worker's, and a Redis
        error gives back the job slot (arq's leaks it: a few outages would stall the worker).
        """
        for job_id in job_ids:
            await self.sem.acquire()
            if self.job_counter >= self.max_jobs:
                self.sem.release()
                return
            self.job_counter += 1
            started = False
            try:
                started = await self._claim(job_id.decode())
            finally:
                if not started:
                    self.job_counter -= 1
                    self.sem.release()

    async def _claim(self, job_id: str) -> bool:
        in_progress = keys.arq_in_progress(job_id)
        async with self.pool.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(in_progress)
                ongoing = await pipe.exists(in_progress)
                score = await pipe.zscore(self.queue_name, job_id)
            except WatchError as exc:
                raise _outage(exc) from exc
            if ongoing or not score or score > timestamp_ms():
                return False  # running elsewhere, finished, or deferred meanwhile
            pipe.multi()  # type: ignore[no-untyped-call]
            pipe.psetex(in_progress, int(self.in_progress_timeout_s * 1000), b"1")
            worker_registry.record_job(pipe, self.worker_id, job_id, ttl_seconds=self._ttl)
            try:
                await pipe.execute()
            except WatchError as exc:
                if not _cut_off(exc):
                    return False  # another worker claimed it first
                # The claim may have landed with no task to run it: settled once Redis answers.
                self._unsettled.add(job_id)
                raise _outage(exc) from exc
            except ResponseError:
                return False
        task = self.loop.create_task(self.run_job(job_id, int(score)))
        task.add_done_callback(lambda _: self._release_sem_dec_counter_on_complete())
        self.tasks[job_id] = task
        return True

    async def run_job(self, job_id: str, score: int) -> None:
        try:
            await super().run_job(job_id, score)
        except UNAVAILABLE as exc:
            # Not re-raised: arq would stop the worker (or fail its close()) over it.
            logger.warning("job %s interrupted by an outage (%r)", job_id, exc)
            self._unreleased.add(job_id)
        finally:
            if job_id not in self._unreleased:
                try:
                    await worker_registry.job_done(self.pool, self.worker_id, job_id)
                except UNAVAILABLE:
                    self._unreleased.add(job_id)

    async def _beat_forever(self) -> None:
        while self._pool is None:  # noqa: ASYNC110 -- arq's main() opens it, no event to wait on
            await asyncio.sleep(0.1)
        while True:
            try:
                await worker_registry.beat(self.pool, self.worker_id, ttl_seconds=self._ttl)
                await self._release_unfinished()
            except UNAVAILABLE:
                pass  # the poll loop reports outages
            await asyncio.sleep(self._heartbeat_seconds)

    async def _release_unfinished(self) -> None:
        running = {job_id for job_id, task in self.tasks.items() if not task.done()}
        if unsettled := self._unsettled - running:
            # A claim that landed is recorded as this worker's and holds the job's in-progress
            # key, so no one (this worker included) claims the job until it is released.
            landed = await worker_registry.recorded(self.pool, self.worker_id, unsettled)
            self._unsettled -= unsettled
            self._unreleased |= landed
        lost = self._unreleased - running
        if lost:
            await worker_registry.release(self.pool, self.worker_id, lost)
            self._unreleased -= lost
            logger.info("released %d job(s) interrupted by an outage", len(lost))


def _cut_off(exc: WatchError) -> bool:
    """Whether redis-py raised this WatchError for a connection lost while watching (it
    raises it while handling that error), not for a watched key that changed."""
    return isinstance(exc.__context__, UNAVAILABLE)


def _outage(exc: WatchError) -> RedisConnectionError:
    """The poll loop waits out outages; a WatchError from a lost connection is one."""
    return RedisConnectionError(f"connection lost while claiming a job ({exc})")


async def recover_dead_workers(ctx: dict[str, Any]) -> int:
    """Let other workers run the jobs of workers whose heartbeat has stopped."""
    # The registry lives beside arq's queue (SNAPFEED_QUEUE_REDIS_URL), not on a cluster.
    dead = await worker_registry.recover_dead(ctx["redis"])
    for worker_id, job_ids in dead.items():
        logger.warning("worker %s stopped; released its jobs %s", worker_id, job_ids)
    return sum(len(job_ids) for job_ids in dead.values())


_SCRATCH = re.compile(rf"{re.escape(TEMP_PREFIX)}(\d+)-")


def pid_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def stale_scratch_dirs(root: Path, running: Callable[[int], bool] = pid_running) -> list[Path]:
    """Jobs' temp dirs under `root` whose worker process no longer runs."""
    stale = []
    for path in root.iterdir():
        match = _SCRATCH.match(path.name)
        if match and path.is_dir() and not running(int(match[1])):
            stale.append(path)
    return sorted(stale)


def remove_stale_scratch_dirs(root: Path | None = None) -> int:
    found = stale_scratch_dirs(root or Path(tempfile.gettempdir()))
    for path in found:
        shutil.rmtree(path, ignore_errors=True)
    if found:
        logger.info("removed %d temp dir(s) of dead workers", len(found))
    return len(found)
