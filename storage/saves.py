"""Saved posts: the saver's own list, newest saved first."""

from __future__ import annotations

import contextlib
from datetime import datetime

import asyncpg

from storage.types import Executor
from storage.visibility import Surface, post_visible_sql


async def insert(db: Executor, user_id: int, post_id: int) -> None:
    """Idempotent: saving again keeps the first save (and its place in the list)."""
    # A post purged since it was checked has nothing to save.
    with contextlib.suppress(asyncpg.ForeignKeyViolationError):
        await db.execute(
            "INSERT INTO saves (user_id, post_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            user_id,
            post_id,
        )


async def delete(db: Executor, user_id: int, post_id: int) -> None:
    await db.execute("DELETE FROM saves WHERE user_id = $1 AND post_id = $2", user_id, post_id)


async def page(
    db: Executor, user_id: int, *, after: tuple[datetime, int] | None, limit: int
) -> list[tuple[datetime, int]]:
    """(saved at, post id), newest saved first: only posts the saver may see now, so a post
    deleted or hidden from them since leaves the list (and comes back if shown again)."""
    records = await db.fetch(
        f"""
        SELECT s.created_at, s.post_id
        FROM saves s JOIN posts p ON p.id = s.post_id JOIN users u ON u.id = p.author_id
        WHERE s.user_id = $1
          AND ($2::timestamptz IS NULL OR (s.created_at, s.post_id) < ($2, $3::bigint))
          AND {post_visible_sql(Surface.PROFILE, viewer="$1")}
        ORDER BY s.created_at DESC, s.post_id DESC
        LIMIT $4
        """,
        user_id,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
    return [(r["created_at"], r["post_id"]) for r in records]
