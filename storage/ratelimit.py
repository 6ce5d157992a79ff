"""Rate limiting in Redis: fixed-window attempt counters and token buckets."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from redis.asyncio import Redis

from storage import keys
from storage.redis import by_slot

# One attempt against each key: its count and the seconds left of its window (which starts
# at the key's first attempt), flattened.
_HIT = """
local out = {}
for _, key in ipairs(KEYS) do
  out[#out + 1] = redis.call('INCR', key)
  redis.call('EXPIRE', key, ARGV[1], 'NX')
  out[#out + 1] = redis.call('TTL', key)
end
return out
"""


async def hit(redis: Redis, keys: Sequence[str], window_seconds: int) -> list[tuple[int, int]]:
    """Count one attempt against each key, atomically per key; (count, seconds left) per key.

    One script call (one round trip) on a single node; one per slot on a cluster.
    """
    script = redis.register_script(_HIT)
    groups = by_slot(redis, keys)
    replies = await asyncio.gather(
        *(script(keys=[keys[i] for i in group], args=[window_seconds]) for group in groups)
    )
    counted: dict[int, tuple[int, int]] = {}
    for group, raw in zip(groups, replies, strict=True):
        for n, i in enumerate(group):
            counted[i] = (int(raw[2 * n]), max(int(raw[2 * n + 1]), 1))
    return [counted[i] for i in range(len(keys))]


async def take_back(redis: Redis, keys: Sequence[str]) -> None:
    """Undo one attempt per key (it turned out not to count)."""
    pipe = redis.pipeline(transaction=False)
    for key in keys:
        pipe.decr(key)
    await pipe.execute()


# Token bucket in one atomic step, on the server's clock so every API process agrees.
_TAKE_TOKEN = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + (now - ts) / 1000 * rate)
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  retry = math.ceil((1 - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return retry
"""


async def take_token(
    redis: Redis, action: str, user_id: int, *, capacity: int, per_second: float
) -> int:
    """0 when a token was taken, else milliseconds until one is available."""
    script = redis.register_script(_TAKE_TOKEN)
    retry = await script(keys=[keys.rate_bucket(action, user_id)], args=[capacity, per_second])
    return int(retry)
