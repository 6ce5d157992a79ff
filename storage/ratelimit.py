"""Fixed-window attempt counters in Redis."""

from __future__ import annotations

from collections.abc import Sequence

from redis.asyncio import Redis


async def hit(redis: Redis, keys: Sequence[str], window_seconds: int) -> list[tuple[int, int]]:
    """Count one attempt against each key, atomically; (count, seconds left) per key.

    A key's window starts at its first attempt.
    """
    pipe = redis.pipeline(transaction=True)
    for key in keys:
        pipe.incr(key)
        pipe.expire(key, window_seconds, nx=True)
        pipe.ttl(key)
    raw = await pipe.execute()
    return [(int(raw[i]), max(int(raw[i + 2]), 1)) for i in range(0, len(raw), 3)]


async def take_back(redis: Redis, keys: Sequence[str]) -> None:
    """Undo one attempt per key (it turned out not to count)."""
    pipe = redis.pipeline(transaction=True)
    for key in keys:
        pipe.decr(key)
    await pipe.execute()
