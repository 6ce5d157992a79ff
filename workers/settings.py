"""The arq worker: which jobs it runs and what each job gets in `ctx`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, cast

from arq import cron, func
from arq.cron import CronJob
from arq.typing import WorkerCoroutine
from arq.worker import Function

from resolvers.deps import Deps, open_deps
from storage import jobs, keys
from storage.metrics import timed_job
from storage.settings import Settings
from workers.discovery import refresh_explore
from workers.engagement import drain_engagements
from workers.fanout import fanout_post, remove_post_from_feeds
from workers.liveness import SnapfeedWorker, recover_dead_workers, remove_stale_scratch_dirs
from workers.maintenance import purge_expired_tokens
from workers.media import (
    delete_post_media,
    process_post,
    purge_abandoned_uploads,
    reconcile_stuck_posts,
    sweep_media_tombstones,
)
from workers.notifications import fold_notifications, prune_notifications
from workers.rekey import rekey_legacy_media
from workers.stories import process_story, purge_expired_stories, reconcile_stuck_stories


def job(coroutine: Callable[..., Awaitable[Any]], name: str, **options: Any) -> Function:
    """A job, timed into the job-duration metric."""
    return func(cast(WorkerCoroutine, timed_job(coroutine, name)), name=name, **options)


def periodic(coroutine: Callable[..., Awaitable[Any]], **schedule: Any) -> CronJob:
    timed = timed_job(coroutine, coroutine.__name__)
    return cron(cast(WorkerCoroutine, timed), **schedule)


FUNCTIONS = [
    # keep_result=0: once done, the job id is free again, so the reconciler can re-queue it.
    job(process_post, jobs.PROCESS_POST, keep_result=0, max_tries=10, timeout=600),
    job(delete_post_media, jobs.DELETE_POST_MEDIA, max_tries=5),
    job(fanout_post, jobs.FANOUT_POST, keep_result=0, max_tries=10, timeout=1800),
    job(remove_post_from_feeds, jobs.REMOVE_POST_FROM_FEEDS, max_tries=10, timeout=1800),
    # The cron below keeps the ranking at most a minute old; a read that finds no snapshot
    # ranks at once (resolvers/explore.py).
    job(refresh_explore, jobs.REFRESH_EXPLORE, keep_result=0, max_tries=3),
    job(process_story, jobs.PROCESS_STORY, keep_result=0, max_tries=10, timeout=600),
    # Queued by the first like or comment after the last drain; the cron catches stragglers.
    job(drain_engagements, jobs.DRAIN_ENGAGEMENTS, keep_result=0, max_tries=3, timeout=600),
]


def every(seconds: int, *, offset: int = 0) -> dict[str, set[int]]:
    """arq cron fields for "every `seconds`", shifted by `offset` seconds within the minute."""
    if 0 < seconds < 60 and 60 % seconds == 0:
        return {"second": {(s + offset) % 60 for s in range(0, 60, seconds)}}
    if seconds >= 60 and seconds % 60 == 0 and 60 % (seconds // 60) == 0:
        return {"minute": set(range(0, 60, seconds // 60)), "second": {offset % 60}}
    raise ValueError(f"{seconds} s is neither a divisor of a minute nor whole minutes of an hour")


def cron_jobs(settings: Settings) -> list[CronJob]:
    reconcile = settings.reconcile_seconds
    return [
        periodic(purge_expired_tokens, minute={17}, run_at_startup=True),
        periodic(reconcile_stuck_posts, **every(reconcile), run_at_startup=True),
        periodic(purge_abandoned_uploads, minute={42}),
        periodic(refresh_explore, second={15}, run_at_startup=True),
        periodic(drain_engagements, second={45}),
        # Reads already hide expired stories; this reclaims their rows and objects.
        periodic(purge_expired_stories, minute=set(range(0, 60, 5)), run_at_startup=True),
        periodic(reconcile_stuck_stories, **every(reconcile, offset=reconcile // 2)),
        periodic(recover_dead_workers, **every(reconcile), run_at_startup=True),
        periodic(sweep_media_tombstones, minute=set(range(2, 60, 5))),
        # The notification outbox, folded every second: events appended by likes, comments,
        # follows and posts since the last run (a run that dies leaves them to the next).
        periodic(fold_notifications, **every(1), run_at_startup=True),
        periodic(prune_notifications, minute={23}),
        # Variants processed before media had key secrets move once; then it finds nothing.
        periodic(rekey_legacy_media, minute={7, 37}, run_at_startup=True),
    ]


def create_worker(
    settings: Settings, *, deps: Deps | None = None, **overrides: Any
) -> SnapfeedWorker:
    """An arq worker; with `deps` given (tests) it uses them and leaves them open."""
    assert settings.redis_url, "SNAPFEED_REDIS_URL must be set"

    async def startup(ctx: dict[str, Any]) -> None:
        if "deps" in ctx:  # started again after an outage
            return
        # A SIGKILLed worker could not remove its jobs' scratch files.
        await asyncio.to_thread(remove_stale_scratch_dirs)
        if deps is not None:
            ctx["deps"] = deps
            return
        assert settings.database_url and settings.redis_url
        ctx["deps"] = await open_deps(
            settings, database_url=settings.database_url, redis_url=settings.redis_url
        )

    async def shutdown(ctx: dict[str, Any]) -> None:
        opened = ctx.pop("deps", None)
        if opened is not None and opened is not deps:
            await opened.close()

    options: dict[str, Any] = {
        "functions": FUNCTIONS,
        "cron_jobs": cron_jobs(settings),
        "heartbeat_seconds": settings.worker_heartbeat_seconds,
        "redis_settings": jobs.redis_settings(settings.queue_url or settings.redis_url),
        "queue_name": keys.JOB_QUEUE,
        "on_startup": startup,
        "on_shutdown": shutdown,
        "max_tries": 5,
        "job_timeout": 300,
        # On SIGTERM, running jobs get this long to finish before they are cancelled (and
        # re-queued by arq: every job here is idempotent, so a re-run is safe).
        "job_completion_wait": 30,
    }
    options.update(overrides)
    return SnapfeedWorker(**options)
