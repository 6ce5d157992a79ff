"""People the viewer may know: friends of friends, then popular accounts; cached per viewer."""

from __future__ import annotations

from collections.abc import Sequence

from redis.asyncio import Redis

from storage import keys
from storage.types import Executor
from storage.users import COLUMNS, UserRow
from storage.visibility import blocked_sql

# Never suggested: the viewer, anyone the viewer follows or asked to follow, and anyone on
# either side of a block. `{user}` is the candidate's id expression.
_ELIGIBLE = (
    "{user} <> $1"
    " AND NOT EXISTS (SELECT 1 FROM follows vf WHERE vf.follower_id = $1"
    " AND vf.followee_id = {user})"
    " AND NOT {blocked}"
)


def _eligible(user: str) -> str:
    return _ELIGIBLE.format(user=user, blocked=blocked_sql("$1", user))


# Friends of friends by how many of the viewer's followees follow them (most followed
# first among equals), then the most followed accounts. Only the viewer's newest
# $3 followees are asked, so the cost stays bounded for someone following thousands.
_RANKED = f"""
WITH mine AS (
    SELECT followee_id FROM follows
    WHERE follower_id = $1 AND state = 'active'
    ORDER BY created_at DESC
    LIMIT $3
), fof AS (
    SELECT f2.followee_id AS id, count(*) AS mutuals, u.follower_count
    FROM mine
    JOIN follows f2 ON f2.follower_id = mine.followee_id AND f2.state = 'active'
    JOIN users u ON u.id = f2.followee_id
    WHERE {_eligible("f2.followee_id")}
    GROUP BY f2.followee_id, u.follower_count
    ORDER BY mutuals DESC, u.follower_count DESC, f2.followee_id
    LIMIT $2
), popular AS (
    SELECT u.id, u.follower_count FROM users u
    WHERE {_eligible("u.id")} AND u.id NOT IN (SELECT id FROM fof)
    ORDER BY u.follower_count DESC, u.id
    LIMIT $2
)
SELECT id FROM (
    SELECT id, 0 AS tier, mutuals, follower_count FROM fof
    UNION ALL
    SELECT id, 1, 0, follower_count FROM popular
) ranked
ORDER BY tier, mutuals DESC, follower_count DESC, id
LIMIT $2
"""


async def ranked(db: Executor, viewer_id: int, *, limit: int, followees_asked: int) -> list[int]:
    """Up to `limit` user ids, best suggestion first."""
    records = await db.fetch(_RANKED, viewer_id, limit, followees_asked)
    return [r["id"] for r in records]


async def cached(redis: Redis, viewer_id: int) -> list[int] | None:
    raw = await redis.get(keys.suggested_users(viewer_id))
    return None if raw is None else [int(i) for i in raw.split(b",") if i]


async def cache(redis: Redis, viewer_id: int, user_ids: Sequence[int], *, ttl: int) -> None:
    await redis.set(keys.suggested_users(viewer_id), ",".join(map(str, user_ids)), ex=ttl)


async def still_eligible(
    db: Executor, viewer_id: int, user_ids: Sequence[int], *, limit: int
) -> list[UserRow]:
    """The first `limit` of these users the viewer may still be suggested, in order (a
    follow, request or block since they were cached leaves a user out)."""
    records = await db.fetch(
        f"""
        SELECT {COLUMNS} FROM unnest($2::bigint[]) WITH ORDINALITY AS w (id, ord)
        JOIN users u ON u.id = w.id
        WHERE {_eligible("u.id")}
        ORDER BY w.ord
        LIMIT $3
        """,
        viewer_id,
        list(user_ids),
        limit,
    )
    return [UserRow.from_record(r) for r in records]
