"""Media rows: one per uploaded photo or video, with its processed variants."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from storage.instants import from_micros
from storage.types import Executor


# Not frozen (here and below): a frozen dataclass sets each field through
# object.__setattr__, several times slower for a page's rows. Rows are never changed.
@dataclass(slots=True)
class VariantRow:
    size: str
    key: str
    width: int
    height: int
    content_type: str

    def to_json(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "key": self.key,
            "width": self.width,
            "height": self.height,
            "content_type": self.content_type,
        }


@dataclass(slots=True)
class MediaRow:
    id: int
    owner_id: int
    kind: str
    status: str
    content_type: str
    byte_size: int
    post_id: int | None
    position: int | None
    width: int | None
    height: int | None
    duration_ms: int | None
    blurhash: str | None
    phash: int | None
    variants: tuple[VariantRow, ...]
    video_key: str | None
    failure_reason: str | None
    created_at: datetime
    # The unguessable part of its variant keys (storage.objects.base.variant_key). Never shown.
    key_secret: str = field(repr=False)
    filter: str  # lower-case PhotoFilter name; 'none' unless one was asked for
    crop: Sequence[float] | None  # x, y, width, height: fractions of the upright image

    @classmethod
    def from_record(cls, r: asyncpg.Record) -> MediaRow:
        return cls.from_values([r[name] for name in FIELDS], r["variants"])

    @classmethod
    def from_card_json(cls, values: list[Any]) -> MediaRow:
        """From its `card_json` array (migrations/postgres/0023): column values in FIELDS
        order, variants as objects, created_at as microseconds, crop as an array."""
        values[CREATED_AT] = from_micros(values[CREATED_AT])
        return cls.from_values(values, values[VARIANTS_AT])

    @classmethod
    def from_values(cls, values: list[Any], variants: list[dict[str, Any]]) -> MediaRow:
        """From column values in FIELDS order (the one at VARIANTS_AT is replaced)."""
        values[VARIANTS_AT] = tuple(
            [
                VariantRow(v["size"], v["key"], v["width"], v["height"], v["content_type"])
                for v in variants
            ]
        )
        return cls(*values)


FIELDS = (
    "id",
    "owner_id",
    "kind",
    "status",
    "content_type",
    "byte_size",
    "post_id",
    "position",
    "width",
    "height",
    "duration_ms",
    "blurhash",
    "phash",
    "variants",
    "video_key",
    "failure_reason",
    "created_at",
    "key_secret",
    "filter",
    "crop",
)
VARIANTS_AT = FIELDS.index("variants")
CREATED_AT = FIELDS.index("created_at")
COLUMNS = ", ".join(f"m.{name}" for name in FIELDS)


async def insert_pending(
    db: Executor, *, owner_id: int, kind: str, content_type: str, byte_size: int
) -> MediaRow:
    record = await db.fetchrow(
        f"""
        INSERT INTO media AS m (owner_id, kind, content_type, byte_size)
        VALUES ($1, $2, $3, $4)
        RETURNING {COLUMNS}
        """,
        owner_id,
        kind,
        content_type,
        byte_size,
    )
    assert record is not None
    return MediaRow.from_record(record)


async def by_ids(db: Executor, ids: Sequence[int]) -> list[MediaRow]:
    records = await db.fetch(
        f"SELECT {COLUMNS} FROM media m WHERE m.id = ANY($1::bigint[])", list(ids)
    )
    return [MediaRow.from_record(r) for r in records]


async def lock(conn: asyncpg.Connection, ids: Sequence[int]) -> list[MediaRow]:
    records = await conn.fetch(
        f"SELECT {COLUMNS} FROM media m WHERE m.id = ANY($1::bigint[]) ORDER BY m.id FOR UPDATE",
        list(ids),
    )
    return [MediaRow.from_record(r) for r in records]


async def by_post_ids(db: Executor, post_ids: Sequence[int]) -> list[MediaRow]:
    records = await db.fetch(
        f"SELECT {COLUMNS} FROM media m WHERE m.post_id = ANY($1::bigint[])"
        " ORDER BY m.post_id, m.position",
        list(post_ids),
    )
    return [MediaRow.from_record(r) for r in records]


@dataclass(frozen=True, slots=True)
class EditRow:
    filter: str = "none"
    crop: tuple[float, float, float, float] | None = None


async def attach(
    conn: asyncpg.Connection,
    post_id: int,
    media_ids: Sequence[int],
    edits: Mapping[int, EditRow] | None = None,
) -> None:
    """Attach media to a post in carousel order, with their edits, and queue them for
    processing."""
    wanted = [(edits or {}).get(i, EditRow()) for i in media_ids]
    crops = [e.crop or (None, None, None, None) for e in wanted]
    await conn.execute(
        """
        UPDATE media SET post_id = $1, position = e.position - 1, status = 'processing',
            filter = e.filter,
            crop = CASE WHEN e.x IS NULL THEN NULL ELSE ARRAY[e.x, e.y, e.w, e.h] END
        FROM unnest($2::bigint[], $3::text[], $4::float8[], $5::float8[], $6::float8[],
                    $7::float8[]) WITH ORDINALITY AS e (id, filter, x, y, w, h, position)
        WHERE media.id = e.id
        """,
        post_id,
        list(media_ids),
        [e.filter for e in wanted],
        *([c[i] for c in crops] for i in range(4)),
    )


async def mark_ready(
    db: Executor,
    media_id: int,
    *,
    width: int,
    height: int,
    blurhash: str,
    phash: int,
    variants: Sequence[VariantRow],
    video_key: str | None,
    duration_ms: int | None,
) -> None:
    await db.execute(
        """
        UPDATE media SET status = 'ready', width = $2, height = $3, blurhash = $4, phash = $5,
            variants = $6, video_key = $7, duration_ms = $8, failure_reason = NULL
        WHERE id = $1
        """,
        media_id,
        width,
        height,
        blurhash,
        phash,
        [v.to_json() for v in variants],
        video_key,
        duration_ms,
    )


async def mark_failed(conn: asyncpg.Connection, media_id: int, reason: str) -> None:
    await conn.execute(
        """
        UPDATE media SET status = 'failed', failure_reason = $2, variants = '[]',
            video_key = NULL, width = NULL, height = NULL, blurhash = NULL, phash = NULL,
            rendition_id = NULL
        WHERE id = $1
        """,
        media_id,
        reason,
    )


async def abandoned(db: Executor, *, older_than_seconds: int, limit: int) -> list[int]:
    """Uploads never attached to a post."""
    records = await db.fetch(
        "SELECT id FROM media WHERE post_id IS NULL AND status = 'pending'"
        " AND created_at < now() - make_interval(secs => $1) ORDER BY id LIMIT $2",
        older_than_seconds,
        limit,
    )
    return [r["id"] for r in records]


async def with_legacy_keys(db: Executor, *, after: int, limit: int) -> list[MediaRow]:
    """READY media whose variants are still at keys without their secret (pre-0007).

    Those of deleted posts are left to the post's clean-up.
    """
    # The predicate is the partial index's, so this reads only what is left to move.
    records = await db.fetch(
        f"""
        SELECT {COLUMNS} FROM media m LEFT JOIN posts p ON p.id = m.post_id
        WHERE m.status = 'ready' AND strpos(m.variants -> 0 ->> 'key', m.key_secret) = 0
            AND m.rendition_id IS NULL
            AND m.id > $1 AND p.deleted_at IS NULL
        ORDER BY m.id LIMIT $2
        """,
        after,
        limit,
    )
    return [MediaRow.from_record(r) for r in records]


async def is_live(db: Executor, media_id: int) -> bool:
    """The media row exists and is not part of a deleted post."""
    found = await db.fetchval(
        """
        SELECT EXISTS (
            SELECT 1 FROM media m LEFT JOIN posts p ON p.id = m.post_id
            WHERE m.id = $1 AND p.deleted_at IS NULL
        )
        """,
        media_id,
    )
    return bool(found)


async def move_variants(
    db: Executor,
    media_id: int,
    *,
    old: Sequence[VariantRow],
    new: Sequence[VariantRow],
    video_key: str | None,
) -> bool:
    """Point a READY media at its re-keyed variants, unless the row changed meanwhile."""
    moved = await db.fetchval(
        """
        UPDATE media SET variants = $3, video_key = $4
        WHERE id = $1 AND status = 'ready' AND variants = $2 RETURNING id
        """,
        media_id,
        [v.to_json() for v in old],
        [v.to_json() for v in new],
        video_key,
    )
    return moved is not None


async def delete(db: Executor, ids: Sequence[int]) -> None:
    await db.execute("DELETE FROM media WHERE id = ANY($1::bigint[])", list(ids))


async def remember_deleted(db: Executor, ids: Sequence[int], *, upload_ttl_seconds: int) -> None:
    """Tombstones for media about to be deleted whose upload URL has not expired yet.

    Call before their rows go: the upload URL's lifetime is counted from the row's creation.
    """
    await db.execute(
        """
        INSERT INTO media_tombstones (media_id, sweep_after)
        SELECT id, created_at + make_interval(secs => $2) FROM media
        WHERE id = ANY($1::bigint[]) AND created_at + make_interval(secs => $2) > now()
        ON CONFLICT (media_id) DO NOTHING
        """,
        list(ids),
        upload_ttl_seconds,
    )


async def due_tombstones(db: Executor, *, limit: int) -> list[int]:
    records = await db.fetch(
        "SELECT media_id FROM media_tombstones WHERE sweep_after <= now()"
        " ORDER BY sweep_after LIMIT $1",
        limit,
    )
    return [r["media_id"] for r in records]


async def forget_tombstones(db: Executor, ids: Sequence[int]) -> None:
    await db.execute("DELETE FROM media_tombstones WHERE media_id = ANY($1::bigint[])", list(ids))
