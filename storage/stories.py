"""Stories and story views. Times are the application's clock, passed in by the caller."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from storage.media import COLUMNS as MEDIA_COLUMNS
from storage.media import MediaRow
from storage.types import Executor
from storage.visibility import Surface, story_visible_sql


@dataclass(frozen=True)
class StoryRow:
    id: int
    author_id: int
    media_id: int
    created_at: datetime
    expires_at: datetime

    @classmethod
    def from_record(cls, r: asyncpg.Record) -> StoryRow:
        return cls(
            id=r["story_id"],
            author_id=r["story_author_id"],
            media_id=r["story_media_id"],
            created_at=r["story_created_at"],
            expires_at=r["story_expires_at"],
        )


# Aliased, so that a story and its media can come back in one record.
COLUMNS = (
    "s.id AS story_id, s.author_id AS story_author_id, s.media_id AS story_media_id,"
    " s.created_at AS story_created_at, s.expires_at AS story_expires_at"
)


@dataclass(frozen=True)
class ReelEntry:
    """A live story for a reel, with its media and whether the reader has seen it."""

    story: StoryRow
    media: MediaRow
    seen: bool

    @classmethod
    def from_record(cls, r: asyncpg.Record) -> ReelEntry:
        return cls(StoryRow.from_record(r), MediaRow.from_record(r), r["seen"])


async def insert_claiming_media(
    db: Executor, *, author_id: int, media_id: int, created_at: datetime, expires_at: datetime
) -> StoryRow | None:
    """A story for an unused upload of the author, queuing the media for processing.

    One statement: the media row is claimed (pending -> processing) under its row lock, so a
    post or another story racing for the same media cannot also have it. None when lost.
    """
    record = await db.fetchrow(
        f"""
        WITH claimed AS (
            UPDATE media SET status = 'processing'
            WHERE id = $2 AND owner_id = $1 AND post_id IS NULL AND status = 'pending'
            RETURNING id
        ), s AS (
            INSERT INTO stories (author_id, media_id, created_at, expires_at)
            SELECT $1, claimed.id, $3, $4 FROM claimed
            RETURNING *
        )
        SELECT {COLUMNS} FROM s
        """,
        author_id,
        media_id,
        created_at,
        expires_at,
    )
    return None if record is None else StoryRow.from_record(record)


async def by_ids(db: Executor, ids: Sequence[int]) -> list[StoryRow]:
    """Stories by id, expired or not: callers decide what their clock allows."""
    records = await db.fetch(
        f"SELECT {COLUMNS} FROM stories s WHERE s.id = ANY($1::bigint[])", list(ids)
    )
    return [StoryRow.from_record(r) for r in records]


async def reel_entries(db: Executor, viewer_id: int, *, now: datetime) -> list[ReelEntry]:
    """Stories of the viewer and of everyone they follow (approved follows only), as the
    visibility policy lets the viewer see them in the tray (live; others' once READY; not
    of muted accounts)."""
    records = await db.fetch(
        f"""
        WITH authors AS (
            SELECT followee_id AS id FROM follows WHERE follower_id = $1 AND state = 'active'
            UNION ALL SELECT $1
        )
        SELECT {COLUMNS}, {MEDIA_COLUMNS}, (v.story_id IS NOT NULL) AS seen
        FROM authors a
        JOIN users u ON u.id = a.id
        JOIN stories s ON s.author_id = a.id AND s.expires_at > $2
        JOIN media m ON m.id = s.media_id
        LEFT JOIN story_views v ON v.story_id = s.id AND v.viewer_id = $1
        WHERE {story_visible_sql(Surface.REELS, viewer="$1", now="$2")}
        """,
        viewer_id,
        now,
    )
    return [ReelEntry.from_record(r) for r in records]


async def seen(db: Executor, viewer_id: int, story_ids: Sequence[int]) -> set[int]:
    records = await db.fetch(
        "SELECT story_id FROM story_views WHERE viewer_id = $1 AND story_id = ANY($2::bigint[])",
        viewer_id,
        list(story_ids),
    )
    return {r["story_id"] for r in records}


async def mark_seen(db: Executor, story_id: int, viewer_id: int, *, seen_at: datetime) -> None:
    """Idempotent: the first view's time is kept."""
    await db.execute(
        "INSERT INTO story_views (story_id, viewer_id, seen_at) VALUES ($1, $2, $3)"
        " ON CONFLICT DO NOTHING",
        story_id,
        viewer_id,
        seen_at,
    )


async def media_of(db: Executor, story_id: int) -> MediaRow | None:
    record = await db.fetchrow(
        f"SELECT {MEDIA_COLUMNS} FROM stories s JOIN media m ON m.id = s.media_id WHERE s.id = $1",
        story_id,
    )
    return None if record is None else MediaRow.from_record(record)


async def expired(db: Executor, *, now: datetime, limit: int) -> list[tuple[int, int]]:
    """(story id, media id) of stories past their expiry, oldest first."""
    records = await db.fetch(
        "SELECT id, media_id FROM stories WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2",
        now,
        limit,
    )
    return [(r["id"], r["media_id"]) for r in records]


async def delete_with_media(db: Executor, story_ids: Sequence[int]) -> int:
    """Remove stories, their views and their media rows; returns how many stories went."""
    removed = await db.fetchval(
        """
        WITH s AS (
            DELETE FROM stories WHERE id = ANY($1::bigint[]) RETURNING media_id
        ), m AS (
            DELETE FROM media WHERE id IN (SELECT media_id FROM s) RETURNING id
        )
        SELECT count(*) FROM m
        """,
        list(story_ids),
    )
    return int(removed)


async def stuck_processing(
    db: Executor, *, created_before: datetime, now: datetime, limit: int
) -> list[int]:
    """Live stories whose media has been processing since before `created_before`."""
    records = await db.fetch(
        """
        SELECT s.id FROM stories s JOIN media m ON m.id = s.media_id
        WHERE m.status = 'processing' AND s.created_at < $1 AND s.expires_at > $2
        ORDER BY s.created_at LIMIT $3
        """,
        created_before,
        now,
        limit,
    )
    return [r["id"] for r in records]


async def id_for_media(db: Executor, media_id: int) -> int | None:
    """The story a media belongs to, if any."""
    return await db.fetchval(  # type: ignore[no-any-return]
        "SELECT id FROM stories WHERE media_id = $1", media_id
    )
