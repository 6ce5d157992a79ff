"""The arq worker: which jobs it runs and what each job gets in `ctx`."""

from __future__ import annotations

from typing import Any

from arq import cron
from arq.connections import RedisSettings
from arq.worker import Worker

from resolvers.deps import open_deps
from storage import keys
from storage.settings import Settings
from workers.maintenance import purge_expired_tokens

FUNCTIONS: list[Any] = []
CRON_JOBS = [cron(purge_expired_tokens, minute={17}, run_at_startup=True)]


def redis_settings(settings: Settings) -> RedisSettings:
    assert settings.redis_url, "SNAPFEED_REDIS_URL must be set"
    return RedisSettings.from_dsn(settings.redis_url)


def create_worker(settings: Settings, **overrides: Any) -> Worker:
    async def startup(ctx: dict[str, Any]) -> None:
        assert settings.database_url and settings.redis_url
        ctx["deps"] = await open_deps(
            settings, database_url=settings.database_url, redis_url=settings.redis_url
        )

    async def shutdown(ctx: dict[str, Any]) -> None:
        deps = ctx.pop("deps", None)
        if deps is not None:
            await deps.close()

    options: dict[str, Any] = {
        "functions": FUNCTIONS,
        "cron_jobs": CRON_JOBS,
        "redis_settings": redis_settings(settings),
        "queue_name": keys.JOB_QUEUE,
        "on_startup": startup,
        "on_shutdown": shutdown,
        "max_tries": 5,
        "job_timeout": 300,
    }
    options.update(overrides)
    return Worker(**options)
