"""Reports, moderation states and their audit trail, moderators, and the perceptual hashes of
removed images (an index by 16-bit band, so a new photo is compared with few of them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from storage.types import Executor

# Two 64-bit hashes within this Hamming distance agree on at least one of their four 16-bit
# bands (pigeonhole): a lookup by band finds every such pair, and only candidates are compared.
BANDS = 4
BAND_BITS = 16
MAX_DISTANCE = BANDS - 1


def bands(phash: int) -> list[int]:
    """The four 16-bit chunks of a (signed) 64-bit hash, lowest first; as the SQL below."""
    return [(phash >> (BAND_BITS * i)) & 0xFFFF for i in range(BANDS)]


@dataclass(frozen=True)
class ReportRow:
    id: int
    reporter_id: int
    post_id: int
    comment_id: int | None
    reason: str
    note: str | None
    created_at: datetime

    @classmethod
    def from_record(cls, r: asyncpg.Record) -> ReportRow:
        return cls(*[r[name] for name in _REPORT_FIELDS])


_REPORT_FIELDS = ("id", "reporter_id", "post_id", "comment_id", "reason", "note", "created_at")
_REPORT_COLUMNS = ", ".join(_REPORT_FIELDS)


async def insert_report(
    db: Executor,
    *,
    reporter_id: int,
    post_id: int,
    comment_id: int | None,
    reason: str,
    note: str | None,
) -> bool:
    """True when the report is new: one per reporter and target, whatever was said."""
    try:
        status = await db.execute(
            """
            INSERT INTO reports (reporter_id, post_id, comment_id, reason, note)
            VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING
            """,
            reporter_id,
            post_id,
            comment_id,
            reason,
            note,
        )
    except asyncpg.ForeignKeyViolationError:  # the post or comment was purged meanwhile
        return False
    return bool(status == "INSERT 0 1")


async def open_reporters(db: Executor, post_id: int) -> int:
    """Distinct people with an open report on the post itself (not on its comments)."""
    count = await db.fetchval(
        "SELECT count(DISTINCT reporter_id) FROM reports"
        " WHERE post_id = $1 AND comment_id IS NULL AND resolved_at IS NULL",
        post_id,
    )
    return int(count)


async def open_reports(db: Executor, *, after_id: int | None, limit: int) -> list[ReportRow]:
    """The moderation queue: open reports, oldest first (ids are time-sortable)."""
    records = await db.fetch(
        f"""
        SELECT {_REPORT_COLUMNS} FROM reports
        WHERE resolved_at IS NULL AND ($1::bigint IS NULL OR id > $1)
        ORDER BY id LIMIT $2
        """,
        after_id,
        limit,
    )
    return [ReportRow.from_record(r) for r in records]


async def reports_by_ids(db: Executor, ids: Sequence[int]) -> list[ReportRow]:
    records = await db.fetch(
        f"SELECT {_REPORT_COLUMNS} FROM reports WHERE id = ANY($1::bigint[])", list(ids)
    )
    return [ReportRow.from_record(r) for r in records]


async def close_reports(conn: asyncpg.Connection, post_id: int) -> int:
    """Resolve the open reports of a post and of its comments; returns how many."""
    status = await conn.execute(
        "UPDATE reports SET resolved_at = now() WHERE post_id = $1 AND resolved_at IS NULL",
        post_id,
    )
    return int(status.split()[-1])


async def close_comment_reports(conn: asyncpg.Connection, comment_id: int) -> int:
    """Resolve the open reports of one comment; returns how many."""
    status = await conn.execute(
        "UPDATE reports SET resolved_at = now() WHERE comment_id = $1 AND resolved_at IS NULL",
        comment_id,
    )
    return int(status.split()[-1])


async def record_action(
    conn: asyncpg.Connection,
    *,
    moderator_id: int,
    post_id: int,
    action: str,
    note: str | None,
    status_before: str,
    status_after: str,
    reports_closed: int,
    comment_id: int | None = None,
    comment_author_id: int | None = None,
) -> None:
    """The audit trail: every action, kept (who, what, when, the note; for a deleted comment,
    which and whose)."""
    await conn.execute(
        """
        INSERT INTO moderation_actions
            (moderator_id, post_id, action, note, status_before, status_after, reports_closed,
             comment_id, comment_author_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        """,
        moderator_id,
        post_id,
        action,
        note,
        status_before,
        status_after,
        reports_closed,
        comment_id,
        comment_author_id,
    )


async def set_moderator(db: Executor, username: str, *, moderator: bool) -> bool:
    """Grant or revoke; False when no such user."""
    status = await db.execute(
        "UPDATE users SET is_moderator = $2 WHERE lower(username) = lower($1)",
        username,
        moderator,
    )
    return bool(status == "UPDATE 1")


async def set_status(
    conn: asyncpg.Connection,
    post_id: int,
    *,
    when: Sequence[str],
    to: str,
    note: str | None,
) -> str | None:
    """Move a live post to `to` (published, flagged or removed) if its status is one of
    `when`, with the moderation note; returns the status it had, None when nothing changed.

    The author's post_count counts PUBLISHED and FLAGGED posts, tags count PUBLISHED ones of
    public accounts: both follow in the same statement. Locks as publish does (the post, its
    author, then tags in name order), so the two cannot deadlock.
    """
    return await conn.fetchval(  # type: ignore[no-any-return]
        """
        WITH old AS (
            SELECT id, status FROM posts
            WHERE id = $1 AND deleted_at IS NULL AND status = ANY($2::text[])
            FOR UPDATE
        ), p AS (
            UPDATE posts SET status = $3, moderation_note = $4 FROM old
            WHERE posts.id = old.id
            RETURNING posts.author_id, posts.hashtags, old.status AS was
        ), counted AS (
            UPDATE users SET post_count = post_count
                + ($3 IN ('published', 'flagged'))::int - (p.was IN ('published', 'flagged'))::int
            FROM p WHERE users.id = p.author_id
            RETURNING users.is_private
        ), tagged AS (
            INSERT INTO hashtags (name, post_count)
            SELECT DISTINCT tag, ($3 = 'published')::int FROM p, counted, unnest(p.hashtags) AS tag
            WHERE NOT counted.is_private AND ($3 = 'published') <> (p.was = 'published')
            ORDER BY tag
            ON CONFLICT (name) DO UPDATE SET post_count = GREATEST(
                hashtags.post_count + CASE WHEN $3 = 'published' THEN 1 ELSE -1 END, 0
            )
        )
        SELECT was FROM p
        """,
        post_id,
        list(when),
        to,
        note,
    )


async def remember_removed_images(
    conn: asyncpg.Connection, post_id: int, *, removed_by: int
) -> None:
    """File the perceptual hashes of a removed post's media under their four bands."""
    await conn.execute(
        f"""
        INSERT INTO removed_image_bands (band, chunk, media_id, post_id, phash, removed_by)
        SELECT b, ((m.phash >> ({BAND_BITS} * b)) & 65535)::int, m.id, m.post_id, m.phash, $2
        FROM media m CROSS JOIN generate_series(0, {BANDS - 1}) AS b
        WHERE m.post_id = $1 AND m.phash IS NOT NULL
        ON CONFLICT DO NOTHING
        """,
        post_id,
        removed_by,
    )


async def forget_removed_images(conn: asyncpg.Connection, post_id: int) -> None:
    """The post was restored: its images are fine again."""
    await conn.execute("DELETE FROM removed_image_bands WHERE post_id = $1", post_id)


@dataclass(frozen=True)
class RemovedMatch:
    post_id: int  # the removed post whose image this resembles
    removed_by: int | None  # the moderator who removed it


# Each hash is looked up by its four bands on the primary key; only the few stored hashes
# sharing a band are compared.
LOOKALIKES = f"""
SELECT DISTINCT r.post_id, r.removed_by
FROM unnest($1::bigint[]) AS h (phash)
CROSS JOIN generate_series(0, {BANDS - 1}) AS b
JOIN removed_image_bands r
  ON r.band = b AND r.chunk = ((h.phash >> ({BAND_BITS} * b)) & 65535)::int
WHERE bit_count((r.phash # h.phash)::bit(64)) <= $2
ORDER BY r.post_id
"""


async def removed_lookalikes(
    db: Executor, phashes: Sequence[int], *, max_distance: int = MAX_DISTANCE
) -> list[RemovedMatch]:
    """Removed posts with an image within `max_distance` bits of one of `phashes` (nothing
    scans all stored hashes)."""
    assert max_distance <= MAX_DISTANCE, "the band index finds distances up to MAX_DISTANCE"
    if not phashes:
        return []
    records = await db.fetch(LOOKALIKES, list(phashes), max_distance)
    return [RemovedMatch(r["post_id"], r["removed_by"]) for r in records]
