"""The arq worker: which jobs it runs and what each job gets in `ctx`."""

from __future__ import annotations

from typing import Any

from arq import cron, func
from arq.worker import Worker

from resolvers.deps import Deps, open_deps
from storage import jobs, keys
from storage.settings import Settings
from workers.discovery import refresh_explore
from workers.fanout import fanout_post, remove_post_from_feeds
from workers.maintenance import purge_expired_tokens
from workers.media import (
    delete_post_media,
    process_post,
    purge_abandoned_uploads,
    reconcile_stuck_posts,
)
from workers.stories import process_story, purge_expired_stories, reconcile_stuck_stories

FUNCTIONS = [
    # keep_result=0: once done, the job id is free again, so the reconciler can re-queue it.
    func(process_post, name=jobs.PROCESS_POST, keep_result=0, max_tries=10, timeout=600),
    func(delete_post_media, name=jobs.DELETE_POST_MEDIA, max_tries=5),
    func(fanout_post, name=jobs.FANOUT_POST, keep_result=0, max_tries=10, timeout=1800),
    func(remove_post_from_feeds, name=jobs.REMOVE_POST_FROM_FEEDS, max_tries=10, timeout=1800),
    # Also queued on demand; the cron below keeps the ranking at most a minute old.
    func(refresh_explore, name=jobs.REFRESH_EXPLORE, keep_result=0, max_tries=3),
    func(process_story, name=jobs.PROCESS_STORY, keep_result=0, max_tries=10, timeout=600),
]
CRON_JOBS = [
    cron(purge_expired_tokens, minute={17}, run_at_startup=True),
    cron(reconcile_stuck_posts, second={0}, run_at_startup=True),
    cron(purge_abandoned_uploads, minute={42}),
    cron(refresh_explore, second={15}, run_at_startup=True),
    # Reads already hide expired stories; this reclaims their rows and objects.
    cron(purge_expired_stories, minute=set(range(0, 60, 5)), run_at_startup=True),
    cron(reconcile_stuck_stories, second={30}),
]


def create_worker(settings: Settings, *, deps: Deps | None = None, **overrides: Any) -> Worker:
    """An arq worker; with `deps` given (tests) it uses them and leaves them open."""
    assert settings.redis_url, "SNAPFEED_REDIS_URL must be set"

    async def startup(ctx: dict[str, Any]) -> None:
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
        "cron_jobs": CRON_JOBS,
        "redis_settings": jobs.redis_settings(settings.redis_url),
        "queue_name": keys.JOB_QUEUE,
        "on_startup": startup,
        "on_shutdown": shutdown,
        "max_tries": 5,
        "job_timeout": 300,
    }
    options.update(overrides)
    return Worker(**options)
