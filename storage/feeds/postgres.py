"""The feed store in PostgreSQL (`feed_items`): durable and unbounded."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from storage.feeds.base import FeedEntry


class PostgresFeedStore:
    def __init__(self, db: asyncpg.Pool) -> None:
        self._db = db

    async def push(self, entries: Sequence[FeedEntry]) -> None:
        if not entries:
            return
        await self._db.execute(
            """
            INSERT INTO feed_items (user_id, post_id, author_id)
            SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[])
            ON CONFLICT DO NOTHING
            """,
            [e.user_id for e in entries],
            [e.post_id for e in entries],
            [e.author_id for e in entries],
        )

    async def page(self, user_id: int, *, before: int | None, limit: int) -> list[int]:
        records = await self._db.fetch(
            "SELECT post_id FROM feed_items WHERE user_id = $1"
            " AND ($2::bigint IS NULL OR post_id < $2) ORDER BY post_id DESC LIMIT $3",
            user_id,
            before,
            limit,
        )
        return [r["post_id"] for r in records]

    async def remove_post(self, post_id: int, user_ids: Sequence[int]) -> None:
        # Every feed, not only the users named: the post index makes that one cheap statement.
        await self._db.execute("DELETE FROM feed_items WHERE post_id = $1", post_id)

    async def remove_author(self, user_id: int, author_id: int) -> None:
        await self._db.execute(
            "DELETE FROM feed_items WHERE user_id = $1 AND author_id = $2", user_id, author_id
        )

    async def close(self) -> None:
        return None
