"""Which workers are alive and which jobs each one runs, in Redis.

arq marks a running job with an in-progress key that lives until the job's timeout (up to
half an hour): if its worker is SIGKILLed, no other worker touches the job until then. Each
Snapfeed worker therefore beats a short-lived heartbeat key and records the ids of its jobs
(in the same transaction that claims them); a reconciler releases the jobs of workers whose
heartbeat has expired by deleting their in-progress keys, and any worker then runs them.
"""

from __future__ import annotations

from collections.abc import Iterable

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from storage import keys


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


async def beat(redis: Redis, worker_id: str, *, ttl_seconds: int) -> None:
    async with redis.pipeline(transaction=True) as pipe:
        _beat(pipe, worker_id, ttl_seconds)
        await pipe.execute()


def _beat(pipe: Pipeline, worker_id: str, ttl_seconds: int) -> None:
    pipe.sadd(keys.WORKERS, worker_id)
    pipe.set(keys.worker_heartbeat(worker_id), b"1", ex=ttl_seconds)


def record_job(claim: Pipeline, worker_id: str, job_id: str, *, ttl_seconds: int) -> None:
    """Adds to the transaction in which the worker claims the job (arq's in-progress key).

    It beats too: a worker killed before its first heartbeat still has its job recovered.
    """
    _beat(claim, worker_id, ttl_seconds)
    claim.sadd(keys.worker_jobs(worker_id), job_id)


async def job_done(redis: Redis, worker_id: str, job_id: str) -> None:
    await redis.srem(keys.worker_jobs(worker_id), job_id)  # type: ignore[misc]


async def recorded(redis: Redis, worker_id: str, job_ids: Iterable[str]) -> set[str]:
    """Which of these jobs are recorded as the worker's (claimed and not done)."""
    ids = sorted(job_ids)
    if not ids:
        return set()
    found = await redis.smismember(keys.worker_jobs(worker_id), ids)  # type: ignore[misc]
    return {job_id for job_id, yes in zip(ids, found, strict=True) if yes}


async def release(redis: Redis, worker_id: str, job_ids: Iterable[str]) -> None:
    """Jobs that stopped without arq finishing them: let any worker run them again.

    Deleting the in-progress key of a job that did finish is harmless: it is no longer queued.
    """
    ids = list(job_ids)
    if not ids:
        return
    async with redis.pipeline(transaction=True) as pipe:
        pipe.delete(*(keys.arq_in_progress(job_id) for job_id in ids))
        pipe.srem(keys.worker_jobs(worker_id), *ids)
        await pipe.execute()


async def leave(redis: Redis, worker_id: str) -> None:
    """The worker stops, every job of its ended (arq's close waits for them). A job still
    recorded did not finish (an outage cut it short, and the worker stops before releasing
    it, e.g. on an error): it is released, or nothing would run it before its in-progress
    key expired, up to half an hour later."""
    unfinished = [_text(j) for j in await redis.smembers(keys.worker_jobs(worker_id))]  # type: ignore[misc]
    await _forget(redis, worker_id, release=unfinished)


async def _forget(redis: Redis, worker_id: str, *, release: Iterable[str] = ()) -> None:
    async with redis.pipeline(transaction=True) as pipe:
        if in_progress := [keys.arq_in_progress(job_id) for job_id in release]:
            pipe.delete(*in_progress)
        pipe.delete(keys.worker_heartbeat(worker_id), keys.worker_jobs(worker_id))
        pipe.srem(keys.WORKERS, worker_id)
        await pipe.execute()


async def recover_dead(redis: Redis) -> dict[str, list[str]]:
    """Release the jobs of every worker whose heartbeat has expired; {worker id: job ids}."""
    workers = sorted(_text(w) for w in await redis.smembers(keys.WORKERS))  # type: ignore[misc]
    if not workers:
        return {}
    async with redis.pipeline(transaction=False) as pipe:
        for worker_id in workers:
            pipe.exists(keys.worker_heartbeat(worker_id))
            pipe.smembers(keys.worker_jobs(worker_id))
        replies = await pipe.execute()
    alive: set[str] = set()
    dead: dict[str, list[str]] = {}
    for i, worker_id in enumerate(workers):
        jobs = sorted(_text(j) for j in replies[2 * i + 1])
        if replies[2 * i]:
            alive.update(jobs)
        else:
            dead[worker_id] = jobs
    for worker_id, jobs in dead.items():
        # A job a live worker has claimed since (after the key expired) is its, not ours.
        await _forget(redis, worker_id, release=[j for j in jobs if j not in alive])
    return dead
