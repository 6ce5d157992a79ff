"""The product in this process: its settings for the run, and its round-trip counters."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from resolvers.deps import Deps
from server.embedded import EmbeddedStack
from storage.settings import Settings

from .config import ACTIVE_DAYS, Plan


def bench_settings(stack: EmbeddedStack, data_dir: Path, plan: Plan) -> Settings:
    """Settings of this process and (through their environment) of the API servers."""
    return Settings(
        database_url=stack.database_url,
        redis_url=stack.redis_url,
        data_dir=data_dir,
        secret_key="bench-" + secrets.token_hex(16),
        media_dir=data_dir / "media",
        public_url="http://127.0.0.1:8000",
        celebrity_followers=plan.celebrity_followers,
        active_days=ACTIVE_DAYS,
        feed_strategy="hybrid",
        log_level="WARNING",
    )


@contextlib.contextmanager
def settings_as(deps: Deps, **changes: Any) -> Iterator[None]:
    original = deps.settings
    deps.settings = original.replace(**changes)
    try:
        yield
    finally:
        deps.settings = original


async def settle() -> None:
    """Let asyncpg's query-logger callbacks (scheduled with call_soon) run."""
    await asyncio.sleep(0)
    await asyncio.sleep(0)


async def round_trips(deps: Deps) -> tuple[int, int]:
    """(DB, Redis) round trips so far, once the pending query-logger callbacks have run."""
    await settle()
    return deps.db_round_trips.count, deps.redis.round_trips
