"""What the domain needs from the outside world, opened once per process."""

from __future__ import annotations

from dataclasses import dataclass, field

import asyncpg
from redis.asyncio import Redis

from resolvers.passwords import Passwords
from storage.postgres import RoundTripCounter, open_pool
from storage.redis import open_redis
from storage.settings import Settings


@dataclass
class Deps:
    settings: Settings
    db: asyncpg.Pool
    redis: Redis
    passwords: Passwords
    db_round_trips: RoundTripCounter = field(default_factory=RoundTripCounter)

    async def close(self) -> None:
        await self.redis.aclose()
        await self.db.close()


async def open_deps(settings: Settings, *, database_url: str, redis_url: str) -> Deps:
    counter = RoundTripCounter()
    db = await open_pool(
        database_url,
        min_size=settings.db_pool_min,
        max_size=settings.db_pool_max,
        counter=counter,
    )
    return Deps(
        settings=settings,
        db=db,
        redis=open_redis(redis_url),
        passwords=Passwords(settings),
        db_round_trips=counter,
    )
