"""Redis sorted sets of post ids: users' feed caches and celebrities' timelines.

Post ids are 64-bit and do not fit a sorted-set score (a double) exactly, so every member
has score 0 and is the id as a fixed-width decimal string: lexicographic order is then
numeric order and ZREVRANGEBYLEX pages newest first. A built set always holds the
sentinel member 0, so "cached but empty" differs from "not cached".
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from storage import keys
from storage.redis import by_slot, is_cluster, run_script

_WIDTH = 20
_SENTINEL = "0" * _WIDTH

FEED_CACHE_SIZE = 800
TIMELINE_SIZE = 50

# Add one id to every listed set that is already built, then keep the newest ARGV[1] of each
# (plus the sentinel). One call serves a whole fan-out batch.
_ADD_IF_BUILT = """
local keep = tonumber(ARGV[1])
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    redis.call('ZADD', key, 0, ARGV[2])
    local extra = redis.call('ZCARD', key) - 1 - keep
    if extra > 0 then redis.call('ZREMRANGEBYRANK', key, 1, extra) end
  end
end
return 1
"""

# Add ids (ARGV[2..]) to one set if it is built, then keep its newest ARGV[1] (plus the
# sentinel).
_MERGE_IF_BUILT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 2, #ARGV, 500 do
  local args = {}
  for k = i, math.min(i + 499, #ARGV) do
    args[#args + 1] = 0
    args[#args + 1] = ARGV[k]
  end
  redis.call('ZADD', KEYS[1], unpack(args))
end
local extra = redis.call('ZCARD', KEYS[1]) - 1 - tonumber(ARGV[1])
if extra > 0 then redis.call('ZREMRANGEBYRANK', KEYS[1], 1, extra) end
return 1
"""

# Replace whole sets in one atomic step: ARGV[1] is a TTL (0: none), ARGV[2..#KEYS+1] how
# many members each key gets, then the members of each key in turn.
_REPLACE = """
local ttl = tonumber(ARGV[1])
local at = #KEYS + 2
for i, key in ipairs(KEYS) do
  local n = tonumber(ARGV[i + 1])
  redis.call('DEL', key)
  for j = at, at + n - 1, 500 do
    local last = math.min(j + 499, at + n - 1)
    local args = {}
    for k = j, last do
      args[#args + 1] = 0
      args[#args + 1] = ARGV[k]
    end
    redis.call('ZADD', key, unpack(args))
  end
  at = at + n
  if ttl > 0 then redis.call('EXPIRE', key, ttl) end
end
return 1
"""


def _member(post_id: int) -> str:
    return str(post_id).zfill(_WIDTH)


@dataclass(frozen=True)
class CachedRange:
    built: bool  # False: not cached, read the store
    ids: list[int]  # newest first, below the bound
    complete: bool  # True: the set holds the whole feed, nothing older exists


def _range(card: int, members: Sequence[bytes], size: int) -> CachedRange:
    ids = list(map(int, members))
    if ids and ids[-1] == 0:  # the sentinel, when a range reaches it (it sorts last)
        ids.pop()
    # A set trimmed to size may have older ids in the store; a smaller one is the whole feed.
    return CachedRange(built=card > 0, ids=ids, complete=card - 1 < size)


@dataclass(frozen=True)
class FeedRead:
    """What one feed-read script call found: the cached page, the cached celebrity list
    (None: not cached) and, on a single node, those celebrities' timelines read in the same
    call (None: not read; a cluster keeps them on other slots). `merged`: the script found
    the cache and every timeline built and deep enough for the page, so `cached.ids` is
    already the page (merged with the timelines, newest first) and `timelines` is None."""

    cached: CachedRange
    celebrities: list[int] | None
    timelines: dict[int, CachedRange] | None
    merged: bool = False


def _timelines(author_ids: Sequence[int], raw: Sequence[Any]) -> dict[int, CachedRange]:
    return {
        author_id: _range(raw[2 * i], raw[2 * i + 1], TIMELINE_SIZE)
        for i, author_id in enumerate(author_ids)
    }


def _bounds(before: int | None) -> tuple[str, str]:
    return ("+" if before is None else "(" + _member(before)), "(" + _SENTINEL


class FeedCache:
    def __init__(self, redis: Redis, *, ttl_seconds: int) -> None:
        self._redis = redis
        self._ttl = ttl_seconds
        self._add_if_built = redis.register_script(_ADD_IF_BUILT)
        self._replace = redis.register_script(_REPLACE)
        self._merge_if_built = redis.register_script(_MERGE_IF_BUILT)
        self._read_feed = redis.register_script(_READ_FEED)
        self._read_timelines = redis.register_script(_READ_TIMELINES)
        # A script may read keys it was not given only on a single node: there the feed
        # read also reads the celebrities' timelines, one round trip for the whole page.
        self._timeline_prefix = "" if is_cluster(redis) else keys.AUTHOR_TIMELINE_PREFIX

    async def _replace_sets(self, sets: Mapping[str, Sequence[str]], ttl: int) -> None:
        """Each key's set becomes exactly these members, one script call per cluster slot."""
        names = list(sets)
        calls = []
        for group in by_slot(self._redis, names):
            chosen = [names[i] for i in group]
            counts = [len(sets[k]) for k in chosen]
            members = [m for k in chosen for m in sets[k]]
            calls.append(self._replace(keys=chosen, args=[ttl, *counts, *members]))
        await asyncio.gather(*calls)

    async def read_feed_and_celebrities(
        self, user_id: int, *, before: int | None, limit: int
    ) -> FeedRead:
        """One script call: a page of the cached feed, the cached celebrity followees (both
        keys carry the user's hash tag) and, on a single node, the page's part of each of
        their timelines. One command rather than a pipeline: the API process packs and
        parses one command's framing, and each round trip costs it a pair of system calls."""
        high, low, ttl, prefix = self.feed_read_args(before)
        replies = await run_script(
            self._redis,
            self._read_feed,
            keys=[keys.feed_cache(user_id), keys.celebrity_followees(user_id)],
            args=[high, low, limit, ttl, prefix],
        )
        return self.parse_feed_read(replies)

    FEED_READ_REPLIES = 6
    # The feed read inside a script: KEYS[1] the feed, KEYS[2] the celebrity list; local
    # variables high, low, limit, ttl and timeline_prefix (empty: do not read timelines);
    # `replies` gets FEED_READ_REPLIES replies, which `parse_feed_read` reads. Timelines
    # are ranged with the feed's bounds and limit, as `read_timelines` would. When the
    # cache and every timeline hold their newest `limit` ids below the bound (or all they
    # have), the page is their merge, made here (`resolvers.feed.merge.merge_newest` in
    # Lua): the API process then parses one page of ids instead of every timeline's and
    # merges nothing. Otherwise the timelines come back for the caller to mend (rebuild,
    # read deeper) and merge.
    FEED_READ_LUA = (
        f"local feed_size, timeline_size = {FEED_CACHE_SIZE}, {TIMELINE_SIZE}\n"
        + """
local function merge_newest(lists, limit)
  local at, merged, n, last = {}, {}, 0, nil
  for i = 1, #lists do at[i] = 1 end
  while n < limit do
    local best, from = nil, nil
    for i = 1, #lists do
      local id = lists[i][at[i]]
      if id ~= nil and (best == nil or id > best) then best, from = id, i end
    end
    if from == nil then break end
    at[from] = at[from] + 1
    if best ~= last then n = n + 1; merged[n] = best; last = best end
  end
  return merged
end
replies[1] = redis.call('ZCARD', KEYS[1])
replies[2] = redis.call('ZREVRANGEBYLEX', KEYS[1], high, low, 'LIMIT', 0, limit)
replies[3] = redis.call('EXPIRE', KEYS[1], ttl)
replies[4] = redis.call('GET', KEYS[2])
replies[5] = false
replies[6] = 0
if replies[4] and timeline_prefix ~= '' then
  local timelines, lists = {}, {replies[2]}
  local whole = replies[1] > 0 and (#replies[2] >= limit or replies[1] - 1 < feed_size)
  for id in string.gmatch(replies[4], '[^,]+') do
    local key = timeline_prefix .. id
    local card = redis.call('ZCARD', key)
    local ids = redis.call('ZREVRANGEBYLEX', key, high, low, 'LIMIT', 0, limit)
    timelines[#timelines + 1] = card
    timelines[#timelines + 1] = ids
    lists[#lists + 1] = ids
    if card == 0 or (#ids < limit and card - 1 >= timeline_size) then whole = false end
  end
  if whole then
    replies[2] = merge_newest(lists, limit)
    replies[6] = 1
  else
    replies[5] = timelines
  end
end
"""
    )

    def feed_read_args(self, before: int | None) -> tuple[str, str, int, str]:
        """The bounds, TTL and timeline key prefix of the feed read, for a script that reads
        the feed with other keys of the user's (`FEED_READ_LUA`)."""
        high, low = _bounds(before)
        return high, low, self._ttl, self._timeline_prefix

    @staticmethod
    def parse_feed_read(replies: Sequence[Any]) -> FeedRead:
        card, members, _, celebrities, timelines, merged = replies[: FeedCache.FEED_READ_REPLIES]
        parsed = None
        if celebrities is not None:
            parsed = [int(i) for i in celebrities.decode().split(",") if i]
        return FeedRead(
            _range(card, members, FEED_CACHE_SIZE),
            parsed,
            None if parsed is None or timelines is None else _timelines(parsed, timelines),
            merged=merged == 1,
        )

    async def store_feed(self, user_id: int, newest: Sequence[int]) -> None:
        """Build a user's cache from the newest ids of their stored feed."""
        members = [_member(i) for i in [0, *newest[:FEED_CACHE_SIZE]]]
        await self._replace_sets({keys.feed_cache(user_id): members}, self._ttl)

    async def merge_into_feed(self, user_id: int, post_ids: Sequence[int]) -> bool:
        """Add ids to a user's cache if it is built (one round trip); whether it was."""
        if not post_ids:
            return True
        args: list[int | str] = [FEED_CACHE_SIZE, *(_member(p) for p in post_ids)]
        return bool(await self._merge_if_built(keys=[keys.feed_cache(user_id)], args=args))

    async def drop_feeds(self, user_ids: Sequence[int]) -> None:
        if user_ids:
            await self._redis.delete(*(keys.feed_cache(u) for u in user_ids))

    async def add_to_feeds(self, user_ids: Sequence[int], post_id: int) -> None:
        """Push one post into every built cache among these users (one round trip)."""
        names = [keys.feed_cache(u) for u in user_ids]
        args: list[int | str] = [FEED_CACHE_SIZE, _member(post_id)]
        await asyncio.gather(
            *(
                self._add_if_built(keys=[names[i] for i in group], args=args)
                for group in by_slot(self._redis, names)
            )
        )

    async def remove_from_feeds(self, user_ids: Sequence[int], post_id: int) -> None:
        if not user_ids:
            return
        pipe = self._redis.pipeline(transaction=False)
        for user_id in user_ids:
            pipe.zrem(keys.feed_cache(user_id), _member(post_id))
        await pipe.execute()

    async def set_celebrities(self, user_id: int, author_ids: Sequence[int], ttl: int) -> None:
        value = ",".join(str(i) for i in author_ids)
        await self._redis.set(keys.celebrity_followees(user_id), value, ex=ttl)

    async def forget_celebrities(self, user_id: int) -> None:
        await self._redis.delete(keys.celebrity_followees(user_id))

    async def read_timelines(
        self, author_ids: Sequence[int], *, before: int | None, limit: int
    ) -> dict[int, CachedRange]:
        """Any number of celebrity timelines in one round trip: a script call when they
        share a slot (always on a single node), else a cluster pipeline (which sends each
        node its commands at once)."""
        if not author_ids:
            return {}
        high, low = _bounds(before)
        names = [keys.author_timeline(a) for a in author_ids]
        if len(by_slot(self._redis, names)) == 1:
            raw = await self._read_timelines(keys=names, args=[high, low, limit])
        else:
            pipe = self._redis.pipeline(transaction=False)
            for name in names:
                pipe.zcard(name)
                pipe.zrevrangebylex(name, high, low, start=0, num=limit)
            raw = await pipe.execute()
        return _timelines(author_ids, raw)

    async def store_timelines(self, timelines: Mapping[int, Sequence[int]]) -> None:
        sets = {
            keys.author_timeline(author_id): [_member(i) for i in [0, *newest[:TIMELINE_SIZE]]]
            for author_id, newest in timelines.items()
        }
        await self._replace_sets(sets, 0)

    async def add_to_timeline(self, author_id: int, post_id: int) -> None:
        """O(1) whatever the follower count: only the author's own set changes."""
        await self._add_if_built(
            keys=[keys.author_timeline(author_id)], args=[TIMELINE_SIZE, _member(post_id)]
        )

    async def remove_from_timeline(self, author_id: int, post_id: int) -> None:
        await self._redis.zrem(keys.author_timeline(author_id), _member(post_id))

    async def fanout_position(self, post_id: int) -> int:
        """The last follower id a fan-out of this post reached (0: not started)."""
        value = await self._redis.get(keys.fanout_progress(post_id))
        return int(value) if value is not None else 0

    async def save_fanout_position(self, post_id: int, follower_id: int) -> None:
        await self._redis.set(keys.fanout_progress(post_id), follower_id, ex=86_400)

    async def clear_fanout_position(self, post_id: int) -> None:
        await self._redis.delete(keys.fanout_progress(post_id))


# KEYS and ARGV as FeedCache.FEED_READ_LUA's locals say; returns its replies.
_READ_FEED = (
    """
local high, low, limit, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local timeline_prefix = ARGV[5]
local replies = {}
"""
    + FeedCache.FEED_READ_LUA
    + """
return replies
"""
)

# For each key: its size, then its members between ARGV[1] and ARGV[2], at most ARGV[3].
_READ_TIMELINES = """
local replies = {}
for i, key in ipairs(KEYS) do
  replies[2 * i - 1] = redis.call('ZCARD', key)
  replies[2 * i] = redis.call('ZREVRANGEBYLEX', key, ARGV[1], ARGV[2], 'LIMIT', 0, ARGV[3])
end
return replies
"""
