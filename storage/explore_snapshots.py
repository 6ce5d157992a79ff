"""Ranked explore snapshots in Redis: immutable versioned lists plus a pointer to the newest.

A snapshot is a list whose first element is a header (so an empty ranking still exists and
"expired" stays distinguishable from "empty"), followed by "post_id:author_id" entries in
rank order. Entry `i` (0-based) is list index `i + 1`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from redis.asyncio import Redis

from storage import keys

_HEADER = b"explore-v1"


@dataclass(frozen=True)
class Entry:
    post_id: int
    author_id: int


def _encode(entry: Entry) -> bytes:
    return f"{entry.post_id}:{entry.author_id}".encode()


def _decode(raw: bytes) -> Entry:
    post_id, _, author_id = raw.partition(b":")
    return Entry(int(post_id), int(author_id))


async def store(redis: Redis, entries: Sequence[Entry], *, ttl_seconds: int) -> int:
    """Store a new snapshot and make it the current one; returns its version.

    The snapshot it replaces gets a fresh TTL, so whoever is paging through it has the
    whole retention time to finish.
    """
    version = int(await redis.incr(keys.EXPLORE_VERSION_COUNTER))
    key = keys.explore_snapshot(version)
    # The keys share the tag {explore}: one node runs these in order, the list complete
    # (one RPUSH) before the pointer names it; a cluster has no MULTI.
    pipe = redis.pipeline(transaction=False)
    pipe.rpush(key, _HEADER, *(_encode(e) for e in entries))
    pipe.expire(key, ttl_seconds)
    pipe.set(keys.EXPLORE_CURRENT, version, get=True)
    _, _, previous = await pipe.execute()
    if previous is not None and int(previous) != version:
        await redis.expire(keys.explore_snapshot(int(previous)), ttl_seconds)
    return version


async def current_version(redis: Redis) -> int | None:
    value = await redis.get(keys.EXPLORE_CURRENT)
    return None if value is None else int(value)


async def read(redis: Redis, version: int, *, start: int, count: int) -> list[Entry] | None:
    """Up to `count` entries from position `start`; None when the snapshot is gone."""
    key = keys.explore_snapshot(version)
    pipe = redis.pipeline(transaction=False)
    pipe.exists(key)
    pipe.lrange(key, start + 1, start + count)
    exists, raw = await pipe.execute()
    if not exists:
        return None
    return [_decode(r) for r in raw]
