"""Posts. Reads never see soft-deleted rows; counters on users count published posts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from storage.types import Executor
from storage.visibility import (
    FEED_STATES,
    GRID_STATES,
    Surface,
    muted_sql,
    post_visible_sql,
    sql_list,
)


# Not frozen: a frozen dataclass sets each field through object.__setattr__, which makes a
# page of rows several times slower to build. Rows are never changed once read.
@dataclass(slots=True)
class PostRow:
    id: int
    author_id: int
    caption: str | None
    location: str | None
    hashtags: tuple[str, ...]
    status: str
    failure_reason: str | None
    created_at: datetime
    moderation_note: str | None  # why a moderator removed it; its author's eyes only

    @classmethod
    def from_values(cls, values: list[Any]) -> PostRow:
        """From column values in FIELDS order."""
        values[HASHTAGS_AT] = tuple(values[HASHTAGS_AT])
        return cls(*values)

    @classmethod
    def from_record(cls, r: asyncpg.Record) -> PostRow:
        return cls(
            r["id"],
            r["author_id"],
            r["caption"],
            r["location"],
            tuple(r["hashtags"]),
            r["status"],
            r["failure_reason"],
            r["created_at"],
            r["moderation_note"],
        )


FIELDS = (
    "id",
    "author_id",
    "caption",
    "location",
    "hashtags",
    "status",
    "failure_reason",
    "created_at",
    "moderation_note",
)
COLUMNS = ", ".join(f"p.{name}" for name in FIELDS)
HASHTAGS_AT = FIELDS.index("hashtags")


async def insert(
    conn: asyncpg.Connection,
    *,
    author_id: int,
    caption: str | None,
    location: str | None,
    hashtags: Sequence[str],
    idempotency_key: str | None,
) -> PostRow | None:
    """A new PROCESSING post; None when the author already used this idempotency key."""
    record = await conn.fetchrow(
        f"""
        INSERT INTO posts AS p (author_id, caption, location, hashtags, idempotency_key)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (author_id, idempotency_key) DO NOTHING
        RETURNING {COLUMNS}
        """,
        author_id,
        caption,
        location,
        list(hashtags),
        idempotency_key,
    )
    return None if record is None else PostRow.from_record(record)


async def by_idempotency_key(db: Executor, author_id: int, key: str) -> PostRow | None:
    record = await db.fetchrow(
        f"SELECT {COLUMNS} FROM posts p"
        " WHERE p.author_id = $1 AND p.idempotency_key = $2 AND p.deleted_at IS NULL",
        author_id,
        key,
    )
    return None if record is None else PostRow.from_record(record)


async def by_ids(db: Executor, ids: Sequence[int]) -> list[PostRow]:
    records = await db.fetch(
        f"SELECT {COLUMNS} FROM posts p WHERE p.id = ANY($1::bigint[]) AND p.deleted_at IS NULL",
        list(ids),
    )
    return [PostRow.from_record(r) for r in records]


async def publish(
    conn: asyncpg.Connection, post_id: int, *, flagged: bool = False
) -> PostRow | None:
    """PROCESSING -> PUBLISHED (or FLAGGED: it goes live to followers only, and no tag counts
    it), counting it on the author; None if it was not processing."""
    record = await conn.fetchrow(
        f"""
        WITH p AS (
            UPDATE posts SET status = CASE WHEN $2 THEN 'flagged' ELSE 'published' END,
                published_at = now()
            WHERE id = $1 AND status = 'processing' AND deleted_at IS NULL
            RETURNING *
        ), counted AS (
            -- Locks the author's row: a concurrent privacy change (which recounts the
            -- author's tags, storage/hashtags.py) is either wholly before or after this.
            UPDATE users SET post_count = post_count + 1 FROM p WHERE users.id = p.author_id
            RETURNING users.is_private
        ), tagged AS (
            -- Tags count public posts only (a private account's tags are nobody's business).
            -- Tag rows are locked in name order, so concurrent publishes and deletes of
            -- posts sharing tags cannot deadlock on them.
            INSERT INTO hashtags (name, post_count)
            SELECT DISTINCT tag, 1 FROM p, counted, unnest(p.hashtags) AS tag
            WHERE NOT counted.is_private AND p.status = 'published' ORDER BY tag
            ON CONFLICT (name) DO UPDATE SET post_count = hashtags.post_count + 1
        )
        SELECT {COLUMNS} FROM p
        """,
        post_id,
        flagged,
    )
    return None if record is None else PostRow.from_record(record)


async def fail(conn: asyncpg.Connection, post_id: int, reason: str) -> bool:
    status = await conn.execute(
        "UPDATE posts SET status = 'failed', failure_reason = $2"
        " WHERE id = $1 AND status = 'processing' AND deleted_at IS NULL",
        post_id,
        reason,
    )
    return bool(status == "UPDATE 1")


async def soft_delete(conn: asyncpg.Connection, post_id: int) -> str | None:
    """Hide a post from every read at once; returns the status it had (None if gone)."""
    return await conn.fetchval(  # type: ignore[no-any-return]
        """
        WITH p AS (
            UPDATE posts SET deleted_at = now()
            WHERE id = $1 AND deleted_at IS NULL
            RETURNING author_id, status, hashtags
        ), counted AS (
            UPDATE users SET post_count = post_count - 1
            FROM p WHERE users.id = p.author_id AND p.status IN ('published', 'flagged')
            RETURNING users.is_private
        ), untagged AS (
            -- An upsert rather than an UPDATE only to lock tags in name order, as publish does.
            INSERT INTO hashtags (name, post_count)
            SELECT DISTINCT tag, 0 FROM p, counted, unnest(p.hashtags) AS tag
            WHERE NOT counted.is_private AND p.status = 'published' ORDER BY tag
            ON CONFLICT (name) DO UPDATE SET post_count = GREATEST(hashtags.post_count - 1, 0)
        )
        SELECT status FROM p
        """,
        post_id,
    )


async def author_of(db: Executor, post_id: int) -> int | None:
    return await db.fetchval(  # type: ignore[no-any-return]
        "SELECT author_id FROM posts WHERE id = $1 AND deleted_at IS NULL", post_id
    )


async def stuck_processing(db: Executor, *, older_than_seconds: int, limit: int) -> list[int]:
    records = await db.fetch(
        "SELECT id FROM posts WHERE status = 'processing' AND deleted_at IS NULL"
        " AND created_at < now() - make_interval(secs => $1) ORDER BY created_at LIMIT $2",
        older_than_seconds,
        limit,
    )
    return [r["id"] for r in records]


async def purge(db: Executor, post_id: int) -> None:
    """Remove a soft-deleted post for good (its media rows go with it)."""
    await db.execute("DELETE FROM posts WHERE id = $1 AND deleted_at IS NOT NULL", post_id)


# What followers' home feeds hold (fan-out, backfill, rebuild, celebrity timelines); each read
# still applies the visibility policy to every post.
_VISIBLE = f"status IN ({sql_list(FEED_STATES)}) AND deleted_at IS NULL"


async def newest_ids_by_authors(
    db: Executor, author_ids: Sequence[int], *, before: int | None, limit: int
) -> list[int]:
    """Newest published post ids of any of these authors (one query for any number)."""
    records = await db.fetch(
        f"""
        SELECT id FROM posts
        WHERE author_id = ANY($1::bigint[]) AND {_VISIBLE}
          AND ($2::bigint IS NULL OR id < $2)
        ORDER BY id DESC LIMIT $3
        """,
        list(author_ids),
        before,
        limit,
    )
    return [r["id"] for r in records]


async def newest_per_author(
    db: Executor, author_ids: Sequence[int], *, per_author: int
) -> dict[int, list[int]]:
    """The newest `per_author` published post ids of each author, newest first."""
    records = await db.fetch(
        f"""
        SELECT a.id AS author_id, p.id
        FROM unnest($1::bigint[]) AS a (id)
        CROSS JOIN LATERAL (
            SELECT id FROM posts WHERE author_id = a.id AND {_VISIBLE}
            ORDER BY id DESC LIMIT $2
        ) p
        ORDER BY p.id DESC
        """,
        list(author_ids),
        per_author,
    )
    out: dict[int, list[int]] = {a: [] for a in author_ids}
    for r in records:
        out[r["author_id"]].append(r["id"])
    return out


async def newest_from_followees(
    db: Executor, user_id: int, *, below_followers: int, limit: int
) -> list[tuple[int, int]]:
    """(post id, author id) of the newest posts of the user's non-celebrity followees and
    the user's own: what a pull-built home feed holds."""
    records = await db.fetch(
        f"""
        WITH authors AS (
            SELECT f.followee_id AS id FROM follows f JOIN users u ON u.id = f.followee_id
            WHERE f.follower_id = $1 AND f.state = 'active' AND u.follower_count < $2
              AND NOT {muted_sql("$1", "f.followee_id")}  -- muted: not in the feed
            UNION SELECT $1
        )
        SELECT p.id, p.author_id FROM authors a
        CROSS JOIN LATERAL (
            SELECT id, author_id FROM posts WHERE author_id = a.id AND {_VISIBLE}
            ORDER BY id DESC LIMIT $3
        ) p
        ORDER BY p.id DESC LIMIT $3
        """,
        user_id,
        below_followers,
        limit,
    )
    return [(r["id"], r["author_id"]) for r in records]


def _grid_sql(author: str) -> str:
    return f"""
SELECT p.id, -p.id AS ord FROM posts p JOIN users u ON u.id = p.author_id
WHERE p.author_id = {author} AND p.status IN ({sql_list(GRID_STATES)})
  AND ($3::bigint IS NULL OR p.id < $3)
  AND {post_visible_sql(Surface.PROFILE, viewer="$2")}
ORDER BY p.id DESC LIMIT $4
"""


# A user's grid as the viewer may see it, newest first: a listing (storage/post_cards.py
# reads its cards). $1 the author, $2 the viewer (or NULL), $3 before (or NULL), $4 limit.
GRID = _grid_sql("$1")
# The same with $1 the author's lower-case username (a profile opened by name).
GRID_BY_NAME = _grid_sql("(SELECT id FROM users WHERE lower(username) = $1::text)")


async def newest_from_all_followees(
    db: Executor, user_id: int, *, before: int | None, limit: int
) -> list[int]:
    """The naive pull feed: every followee's posts, newest first (the benchmark baseline)."""
    records = await db.fetch(
        f"""
        SELECT id FROM posts
        WHERE author_id IN (
            SELECT followee_id FROM follows
            WHERE follower_id = $1 AND state = 'active' AND NOT {muted_sql("$1", "followee_id")}
            UNION ALL SELECT $1
        ) AND {_VISIBLE} AND ($2::bigint IS NULL OR id < $2)
        ORDER BY id DESC LIMIT $3
        """,
        user_id,
        before,
        limit,
    )
    return [r["id"] for r in records]
