"""Renditions: the processed objects of one upload, shared by every media with the same bytes
and edits, and reference counted by them.

A rendition's objects are those of the media first processed into it, its source:
`originals/{source}` (kept, cold or deleted, per SNAPFEED_ORIGINALS) and `media/{source}/`.
`ref_count` is the number of media rows pointing at it, kept by a trigger on `media` (the
media_renditions migration); at zero the rendition is dead: never shared again, and its
objects and row are removed by whoever released it last, or by the periodic sweep.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from storage.media import VariantRow
from storage.types import Executor


@dataclass(frozen=True, slots=True)
class RenditionKey:
    digest: bytes  # SHA-256 of the upload
    edit: str  # the edits, canonical (resolvers.media_edits.Edit.key)
    scope: int  # 0: everyone; an owner id; minus a media id: nobody else


@dataclass(frozen=True, slots=True)
class Rendition:
    width: int
    height: int
    duration_ms: int | None
    blurhash: str
    phash: int
    variants: tuple[VariantRow, ...]
    video_key: str | None
    original_bytes: int


@dataclass(frozen=True, slots=True)
class DeadRendition:
    id: int
    source_media_id: int


async def lock_media(conn: asyncpg.Connection, media_id: int) -> str | None:
    """Lock a media row for the rest of the transaction; its status, None when it is gone."""
    status: str | None = await conn.fetchval(
        "SELECT status FROM media WHERE id = $1 FOR UPDATE", media_id
    )
    return status


async def lock_live(conn: asyncpg.Connection, key: RenditionKey) -> int | None:
    """The live rendition with this key, locked until the transaction ends (so that its last
    release waits for us, or we see it dead); None when there is none."""
    found: int | None = await conn.fetchval(
        """
        SELECT id FROM media_renditions
        WHERE digest = $1 AND edit = $2 AND scope = $3 AND state = 'live'
        FOR NO KEY UPDATE
        """,
        key.digest,
        key.edit,
        key.scope,
    )
    return found


async def insert(
    conn: asyncpg.Connection, key: RenditionKey, source_media_id: int, rendition: Rendition
) -> int | None:
    """A new live rendition; None when one with this key appeared meanwhile (then use it)."""
    found: int | None = await conn.fetchval(
        """
        INSERT INTO media_renditions (digest, edit, scope, source_media_id, width, height,
            duration_ms, blurhash, phash, variants, video_key, original_bytes)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
        ON CONFLICT (digest, edit, scope) WHERE state = 'live' DO NOTHING
        RETURNING id
        """,
        key.digest,
        key.edit,
        key.scope,
        source_media_id,
        rendition.width,
        rendition.height,
        rendition.duration_ms,
        rendition.blurhash,
        rendition.phash,
        [v.to_json() for v in rendition.variants],
        rendition.video_key,
        rendition.original_bytes,
    )
    return found


async def attach(conn: asyncpg.Connection, media_id: int, rendition_id: int) -> bool:
    """A PROCESSING media becomes READY with the rendition's objects (counted by the trigger).
    False when the media is not processing any more."""
    done = await conn.fetchval(
        """
        UPDATE media m SET status = 'ready', rendition_id = r.id, width = r.width,
            height = r.height, blurhash = r.blurhash, phash = r.phash, variants = r.variants,
            video_key = r.video_key, duration_ms = r.duration_ms, failure_reason = NULL
        FROM media_renditions r
        WHERE m.id = $1 AND r.id = $2 AND m.status = 'processing'
        RETURNING m.id
        """,
        media_id,
        rendition_id,
    )
    return done is not None


async def source_of(db: Executor, rendition_id: int) -> int | None:
    found: int | None = await db.fetchval(
        "SELECT source_media_id FROM media_renditions WHERE id = $1", rendition_id
    )
    return found


async def set_original_state(db: Executor, rendition_id: int, state: str) -> None:
    await db.execute(
        "UPDATE media_renditions SET original_state = $2 WHERE id = $1", rendition_id, state
    )


@dataclass(frozen=True)
class TieredOriginal:
    rendition_id: int
    media_id: int  # the source media: its original is `originals/{media_id}`
    state: str  # kept or cold


async def originals_not_in(
    db: Executor, state: str, *, after_id: int, limit: int
) -> list[TieredOriginal]:
    """Live renditions whose original is neither in `state` nor deleted (a deleted one cannot
    come back), by id after `after_id`: one batch of a re-tiering."""
    records = await db.fetch(
        """
        SELECT id, source_media_id, original_state FROM media_renditions
        WHERE id > $1 AND state = 'live' AND original_state NOT IN ($2, 'deleted')
        ORDER BY id LIMIT $3
        """,
        after_id,
        state,
        limit,
    )
    return [TieredOriginal(r["id"], r["source_media_id"], r["original_state"]) for r in records]


async def set_original_states(db: Executor, rendition_ids: Sequence[int], state: str) -> None:
    """Record that these renditions' originals are now in `state` (live ones only: a dead
    rendition's objects are being removed)."""
    await db.execute(
        "UPDATE media_renditions SET original_state = $2"
        " WHERE id = ANY($1::bigint[]) AND state = 'live'",
        list(rendition_ids),
        state,
    )


async def retire(conn: asyncpg.Connection, media_ids: Sequence[int]) -> list[DeadRendition]:
    """Before these media stop using their renditions (deleted, or failed): the renditions
    that only they use die now, so no upload attaches to them while their objects go.

    Returns every dead rendition of these media (those killed now and any already dead).
    Run in a transaction; renditions are locked in id order, as uploads lock them one by one.
    """
    records = await conn.fetch(
        """
        WITH used AS (
            SELECT rendition_id AS id, count(*)::int AS n FROM media
            WHERE id = ANY($1::bigint[]) AND rendition_id IS NOT NULL
            GROUP BY rendition_id
        ), locked AS (
            SELECT r.id, r.ref_count, r.state, r.source_media_id FROM media_renditions r
            WHERE r.id IN (SELECT id FROM used) ORDER BY r.id FOR NO KEY UPDATE
        ), killed AS (
            UPDATE media_renditions r SET state = 'dead', dead_since = now()
            FROM locked JOIN used USING (id)
            WHERE r.id = locked.id AND locked.state = 'live' AND locked.ref_count <= used.n
            RETURNING r.id
        )
        SELECT l.id, l.source_media_id FROM locked l JOIN used u USING (id)
        WHERE l.state = 'dead' OR l.ref_count <= u.n
        ORDER BY l.id
        """,
        list(media_ids),
    )
    return [DeadRendition(r["id"], r["source_media_id"]) for r in records]


async def live_sources(db: Executor, media_ids: Sequence[int]) -> set[int]:
    """Those of these media whose objects a live rendition holds (do not delete them)."""
    records = await db.fetch(
        "SELECT source_media_id FROM media_renditions"
        " WHERE source_media_id = ANY($1::bigint[]) AND state = 'live'",
        list(media_ids),
    )
    return {r["source_media_id"] for r in records}


async def kept_originals(db: Executor, media_ids: Sequence[int]) -> set[int]:
    """Those of these media whose original a live rendition keeps (hot or cold)."""
    records = await db.fetch(
        "SELECT source_media_id FROM media_renditions WHERE source_media_id = ANY($1::bigint[])"
        " AND state = 'live' AND original_state IN ('kept', 'cold')",
        list(media_ids),
    )
    return {r["source_media_id"] for r in records}


async def existing_media(db: Executor, media_ids: Sequence[int]) -> set[int]:
    records = await db.fetch("SELECT id FROM media WHERE id = ANY($1::bigint[])", list(media_ids))
    return {r["id"] for r in records}


async def forget(db: Executor, rendition_ids: Sequence[int]) -> None:
    """Remove dead renditions nothing points at any more (their objects are gone)."""
    await db.execute(
        "DELETE FROM media_renditions WHERE id = ANY($1::bigint[])"
        " AND state = 'dead' AND ref_count = 0",
        list(rendition_ids),
    )


async def dead(db: Executor, *, older_than_seconds: int, limit: int) -> list[DeadRendition]:
    """Dead renditions no media uses, dead for a while (their releaser may have crashed)."""
    records = await db.fetch(
        """
        SELECT id, source_media_id FROM media_renditions
        WHERE state = 'dead' AND ref_count = 0
          AND dead_since < now() - make_interval(secs => $1)
        ORDER BY dead_since LIMIT $2
        """,
        older_than_seconds,
        limit,
    )
    return [DeadRendition(r["id"], r["source_media_id"]) for r in records]


async def stored_bytes(db: Executor) -> dict[str, Any]:
    """How many live renditions, media using them and bytes of originals they stand for."""
    record = await db.fetchrow(
        """
        SELECT count(*) AS renditions, coalesce(sum(ref_count), 0) AS media,
               coalesce(sum(original_bytes), 0) AS original_bytes,
               coalesce(sum(original_bytes * ref_count), 0) AS uploaded_bytes
        FROM media_renditions WHERE state = 'live'
        """
    )
    assert record is not None
    return {key: int(value) for key, value in record.items()}


def variants_of(raw: str | list[dict[str, Any]]) -> tuple[VariantRow, ...]:
    items = json.loads(raw) if isinstance(raw, str) else raw
    return tuple(
        VariantRow(v["size"], v["key"], v["width"], v["height"], v["content_type"]) for v in items
    )
