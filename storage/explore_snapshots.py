"""Ranked explore snapshots in Redis: immutable versioned lists plus a pointer to the newest.

A snapshot is a list whose first element is a header (so an empty ranking still exists and
"expired" stays distinguishable from "empty"), followed by "post_id:author_id" entries in
rank order. Entry `i` (0-based) is list index `i + 1`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from redis.asyncio import Redis

from storage import keys
from storage.redis import run_script

_HEADER = b"explore-v1"


class Entry(NamedTuple):
    post_id: int
    author_id: int


def _encode(entry: Entry) -> bytes:
    return f"{entry.post_id}:{entry.author_id}".encode()


def _post_ids(raw: Sequence[bytes]) -> list[int]:
    # A page reads 50 entries or more and needs only their posts: one int each, no tuple.
    return [int(r.partition(b":")[0]) for r in raw]


async def store(
    redis: Redis, entries: Sequence[Entry], *, ttl_seconds: int, previous_ttl_seconds: int
) -> int:
    """Store a new snapshot (kept `ttl_seconds`) and make it the current one; returns its
    version.

    The snapshot it replaces gets a fresh TTL of `previous_ttl_seconds`, so whoever is
    paging through it has the whole retention time to finish.
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
        await redis.expire(keys.explore_snapshot(int(previous)), previous_ttl_seconds)
    return version


# KEYS[1] the current version; ARGV the snapshot key prefix (the keys share the tag
# {explore}, so the snapshot is on the pointer's slot), the first and last list index.
_READ_CURRENT = """
local version = redis.call('GET', KEYS[1])
if not version then return false end
local key = ARGV[1] .. version
if redis.call('EXISTS', key) == 0 then return {version, false} end
return {version, redis.call('LRANGE', key, ARGV[2], ARGV[3])}
"""


async def read_current(redis: Redis, *, count: int) -> tuple[int, list[int] | None] | None:
    """The current version and the posts of its first `count` entries (None: that snapshot
    is gone), in one round trip; None when there is no current snapshot."""
    raw = await run_script(
        redis,
        redis.register_script(_READ_CURRENT),
        keys=[keys.EXPLORE_CURRENT],
        args=[keys.EXPLORE_SNAPSHOT_PREFIX, 1, count],
    )
    if raw is None:
        return None
    version, entries = raw
    return int(version), None if entries is None else _post_ids(entries)


async def read(redis: Redis, version: int, *, start: int, count: int) -> list[int] | None:
    """The posts of up to `count` entries from position `start`; None when the snapshot is
    gone."""
    key = keys.explore_snapshot(version)
    pipe = redis.pipeline(transaction=False)
    pipe.exists(key)
    pipe.lrange(key, start + 1, start + count)
    exists, raw = await pipe.execute()
    if not exists:
        return None
    return _post_ids(raw)
