"""Sharded post counters (likes, comments): see migrations/postgres/0004_engagement.sql.

A change lands on one of COUNTER_SHARDS rows picked at random, in the same statement as the
like or comment it counts; a read sums the shards. A shard's own value means nothing and
may go negative (a like counted on shard 3, its removal on shard 9): only the sum does.
The engagement drain (resolvers/feed/signals.py) compacts the shards of the posts it saw
into one row per counter, so a page's cards sum about one row a counter, not sixteen.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from storage.types import Executor

COUNTER_SHARDS = 16

Counter = Literal["likes", "comments"]


@dataclass(slots=True)  # not frozen: built for every post of a page (see storage/posts.py)
class PostCounts:
    likes: int = 0
    comments: int = 0


def random_shard() -> int:
    return random.randrange(COUNTER_SHARDS)


def add_to_shard(source: str, counter: Counter, delta: Literal[1, -1], shard_param: str) -> str:
    """SQL (for a WITH clause) adding `delta` to shard `shard_param` of `counter` for the post
    of each row of the CTE `source`; no row in `source`, nothing counted."""
    return (
        "INSERT INTO post_counter_shards AS s (post_id, counter, shard, value)"
        f" SELECT post_id, '{counter}', {shard_param}, {delta} FROM {source}"
        " ON CONFLICT (post_id, counter, shard) DO UPDATE SET value = s.value + EXCLUDED.value"
    )


async def totals(db: Executor, post_ids: Sequence[int]) -> dict[int, PostCounts]:
    """Counts of the posts that have any; a post without shard rows has none."""
    records = await db.fetch(
        """
        SELECT post_id,
               coalesce(sum(value) FILTER (WHERE counter = 'likes'), 0) AS likes,
               coalesce(sum(value) FILTER (WHERE counter = 'comments'), 0) AS comments
        FROM post_counter_shards
        WHERE post_id = ANY($1::bigint[])
        GROUP BY post_id
        """,
        list(post_ids),
    )
    return {r["post_id"]: PostCounts(likes=r["likes"], comments=r["comments"]) for r in records}


# Moves each counter's value onto one of its shard rows (the lowest it holds), deleting the
# others: the sum stays exact at every instant, and a read sums one row per counter instead
# of up to COUNTER_SHARDS. Rows another transaction holds (a like being counted) are
# skipped, so compacting never waits and never deadlocks with the writers it tidies after.
_COMPACT = """
WITH held AS (
    SELECT post_id, counter, shard, value FROM post_counter_shards
    WHERE post_id = ANY($1::bigint[])
    FOR UPDATE SKIP LOCKED
), kept AS (
    SELECT post_id, counter, min(shard) AS shard, sum(value)::integer AS total
    FROM held GROUP BY post_id, counter HAVING count(*) > 1
), dropped AS (
    DELETE FROM post_counter_shards s
    USING held h JOIN kept k USING (post_id, counter)
    WHERE s.post_id = h.post_id AND s.counter = h.counter AND s.shard = h.shard
      AND h.shard <> k.shard
)
UPDATE post_counter_shards s SET value = k.total
FROM kept k
WHERE s.post_id = k.post_id AND s.counter = k.counter AND s.shard = k.shard
"""


async def compact(db: Executor, post_ids: Sequence[int]) -> None:
    """Fold the posts' counter shards into one row per counter (see _COMPACT)."""
    if post_ids:
        await db.execute(_COMPACT, sorted(set(post_ids)))
