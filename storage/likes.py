"""Likes. Each change, its counter shard and its notification event are one statement, so
one transaction: no notification is lost, and none waits on another like's row lock."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from storage import counters, notifications
from storage.types import Executor


def _told(source: str) -> str:
    """The event for the post's author ($4; NULL: nobody is told)."""
    return notifications.event_sql(
        source,
        kind="like",
        recipient="$4::bigint",
        actor="$2",
        post="post_id",
        where="$4::bigint IS NOT NULL",
    )


async def insert(db: Executor, post_id: int, user_id: int, *, notify: int | None = None) -> bool:
    """Like a post, telling `notify` (its author); False (and nothing counted or told) when
    the user already likes it, or the post was purged since it was checked."""
    try:
        inserted = await db.fetchval(
            f"""
            WITH liked AS (
                INSERT INTO likes (post_id, user_id) VALUES ($1, $2)
                ON CONFLICT DO NOTHING
                RETURNING post_id
            ), counted AS ({counters.add_to_shard("liked", "likes", 1, "$3")}),
            told AS ({_told("liked")})
            SELECT count(*) FROM liked
            """,
            post_id,
            user_id,
            counters.random_shard(),
            notify,
        )
    except asyncpg.ForeignKeyViolationError:
        return False
    return bool(inserted)


async def delete(db: Executor, post_id: int, user_id: int, *, notify: int | None = None) -> bool:
    """Unlike a post (its like leaves `notify`'s notification); False (and nothing counted)
    when the user did not like it."""
    deleted = await db.fetchval(
        f"""
        WITH unliked AS (
            DELETE FROM likes WHERE post_id = $1 AND user_id = $2
            RETURNING post_id
        ), counted AS ({counters.add_to_shard("unliked", "likes", -1, "$3")}),
        told AS ({_told("unliked")})
        SELECT count(*) FROM unliked
        """,
        post_id,
        user_id,
        counters.random_shard(),
        notify,
    )
    return bool(deleted)


async def liked_by(db: Executor, user_id: int, post_ids: Sequence[int]) -> set[int]:
    """Which of these posts the user likes."""
    records = await db.fetch(
        "SELECT post_id FROM likes WHERE user_id = $1 AND post_id = ANY($2::bigint[])",
        user_id,
        list(post_ids),
    )
    return {r["post_id"] for r in records}
