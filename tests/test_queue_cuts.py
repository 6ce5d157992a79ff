"""The job queue when the connection to Valkey drops mid-command (a restart): an enqueue
that cannot tell whether it landed says so, and a worker whose claim is cut off neither
exits nor leaves the job held with nothing running it (both seen in the soak)."""

from __future__ import annotations

import asyncio

import pytest
from arq.jobs import deserialize_job_raw

from resolvers.deps import Deps
from storage import jobs, keys
from storage.settings import Settings
from storage.unavailable import UNAVAILABLE
from tests.cutting_proxy import cutting_proxy
from workers.settings import create_worker


@pytest.mark.parametrize("applied", [False, True], ids=["lost", "ran"])
async def test_an_enqueue_cut_off_raises_and_enqueueing_again_queues_it_once(
    deps: Deps, settings: Settings, applied: bool
) -> None:
    assert settings.redis_url
    async with cutting_proxy(settings.redis_url) as proxy:
        queue = await jobs.open_queue(proxy.url)
        try:
            # The node knows the script now: the cut command is the enqueue itself.
            assert await jobs.enqueue(queue, jobs.REFRESH_EXPLORE, job_id="first")
            proxy.cut_at(b"EVALSHA", applied=applied)
            with pytest.raises(UNAVAILABLE):
                await jobs.enqueue(queue, jobs.REFRESH_EXPLORE, job_id="second")
            assert proxy.cuts == 1
            queued = await deps.jobs.zrange(keys.JOB_QUEUE, 0, -1)
            assert queued == ([b"first", b"second"] if applied else [b"first"])
            # Again, once Valkey answers: queued now, or found queued.
            assert await jobs.enqueue(queue, jobs.REFRESH_EXPLORE, job_id="second") is not applied
        finally:
            await queue.aclose()
    assert await deps.jobs.zrange(keys.JOB_QUEUE, 0, -1) == [b"first", b"second"]
    assert await jobs.enqueue(deps.jobs, jobs.REFRESH_EXPLORE, job_id="second") is False


async def test_an_enqueued_job_is_what_arq_stores(deps: Deps) -> None:
    assert await jobs.enqueue(deps.jobs, jobs.PROCESS_POST, 42, job_id="post:42")
    assert await deps.jobs.enqueue_job(jobs.PROCESS_POST, 42, _job_id="post:7") is not None
    ours, theirs = [await deps.jobs.get(keys.arq_job(job_id)) for job_id in ("post:42", "post:7")]
    assert ours is not None and theirs is not None
    # function, args, kwargs, try; then when it was enqueued (ours first)
    assert deserialize_job_raw(ours)[:4] == deserialize_job_raw(theirs)[:4]
    assert deserialize_job_raw(ours)[4] <= deserialize_job_raw(theirs)[4]
    assert await deps.jobs.zrange(keys.JOB_QUEUE, 0, -1) == [b"post:42", b"post:7"]
    ttls = [await deps.jobs.pttl(keys.arq_job(job_id)) for job_id in ("post:42", "post:7")]
    assert 0 < ttls[0] <= ttls[1] <= deps.jobs.expires_extra_ms
    # Each finds the other's job queued.
    assert await deps.jobs.enqueue_job(jobs.PROCESS_POST, 42, _job_id="post:42") is None
    assert await jobs.enqueue(deps.jobs, jobs.PROCESS_POST, 42, job_id="post:7") is False


@pytest.mark.parametrize(
    ("command", "applied"),
    [(b"ZSCORE", False), (b"EXEC", False), (b"EXEC", True)],
    ids=["while-watching", "claim-lost", "claim-landed"],
)
async def test_a_claim_cut_off_is_waited_out_and_its_job_runs_once(
    deps: Deps, settings: Settings, command: bytes, applied: bool
) -> None:
    assert settings.redis_url
    await jobs.enqueue(deps.jobs, jobs.REFRESH_EXPLORE, job_id="refresh-now")
    async with cutting_proxy(settings.redis_url) as proxy:
        proxy.cut_at(command, applied=applied)
        worker = create_worker(
            settings.replace(queue_redis_url=proxy.url),
            deps=deps,
            poll_delay=0.05,
            cron_jobs=[],
            heartbeat_seconds=1,
        )
        running = asyncio.create_task(worker.async_run())
        try:
            for _ in range(300):
                if worker.jobs_complete or running.done():
                    break
                await asyncio.sleep(0.05)
            assert not running.done(), running.exception()  # it did not exit
            assert proxy.cuts == 1
            assert (worker.jobs_complete, worker.jobs_failed, worker.jobs_retried) == (1, 0, 0)
        finally:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
            await worker.close()
    assert await deps.jobs.zcard(keys.JOB_QUEUE) == 0
    assert not await deps.jobs.exists(keys.arq_in_progress("refresh-now"))
