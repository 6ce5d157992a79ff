"""Counting database and Redis round trips around a piece of work (the `round_trips` fixture)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from resolvers.deps import Deps


@dataclass
class RoundTrips:
    db: int = 0
    redis: int = 0


class RoundTripMeter:
    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    @contextlib.asynccontextmanager
    async def __call__(self) -> AsyncIterator[RoundTrips]:
        """Round trips made inside the block; filled in when it ends."""
        deps = self._deps
        await asyncio.sleep(0)  # let query-logger callbacks of earlier work land
        db, redis = deps.db_round_trips.count, deps.redis.round_trips
        counted = RoundTrips()
        yield counted
        await asyncio.sleep(0)
        counted.db = deps.db_round_trips.count - db
        counted.redis = deps.redis.round_trips - redis
