"""The Redis (or Valkey) client."""

from __future__ import annotations

from redis.asyncio import Redis


def open_redis(url: str) -> Redis:
    client: Redis = Redis.from_url(url, decode_responses=False)
    return client


async def ping(redis: Redis) -> None:
    await redis.ping()
