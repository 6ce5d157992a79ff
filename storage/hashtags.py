"""Hashtags: their counts (kept by storage/posts.py publish and soft_delete) and pages."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from storage.posts import COLUMNS, PostRow
from storage.types import Executor


@dataclass(frozen=True)
class HashtagRow:
    name: str
    post_count: int

    @classmethod
    def from_record(cls, r: asyncpg.Record) -> HashtagRow:
        return cls(r["name"], r["post_count"])


async def by_name(db: Executor, name: str) -> HashtagRow | None:
    """The tag if a published post ever carried it."""
    record = await db.fetchrow("SELECT name, post_count FROM hashtags WHERE name = $1", name)
    return None if record is None else HashtagRow.from_record(record)


async def posts_page(
    db: Executor, name: str, *, viewer_id: int | None, before: int | None, limit: int
) -> list[PostRow]:
    """Published posts with the tag that the viewer may see, newest first.

    Privacy is part of the query (not a filter afterwards), so a page is always full.
    """
    records = await db.fetch(
        f"""
        SELECT {COLUMNS} FROM posts p JOIN users u ON u.id = p.author_id
        WHERE p.hashtags @> ARRAY[$1]::text[] AND p.status = 'published'
          AND p.deleted_at IS NULL AND ($3::bigint IS NULL OR p.id < $3)
          AND (NOT u.is_private OR u.id = $2 OR EXISTS (
              SELECT 1 FROM follows f
              WHERE f.follower_id = $2 AND f.followee_id = u.id AND f.state = 'active'
          ))
        ORDER BY p.id DESC LIMIT $4
        """,
        name,
        viewer_id,
        before,
        limit,
    )
    return [PostRow.from_record(r) for r in records]
