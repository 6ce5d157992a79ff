"""The fold job's writes: claim a batch of events, then add and remove actors.

A batch runs in one transaction under one advisory lock: one folder at a time writes
notifications, so folds never contend with each other, and a folder that dies mid-batch
leaves its events in the outbox for the next run. Likes and comments themselves never touch
these rows; only reads (and markNotificationsRead) share them with the folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from storage.notification_facts import Event

# Any constant shared by every Snapfeed process (storage/migrations.py has another).
_FOLD_LOCK = 0x5_4A9F_0013


@dataclass(frozen=True, slots=True)
class Add:
    """Fold an actor into the unread notification of (recipient, kind, key)."""

    recipient_id: int
    kind: str
    key: str
    post_id: int | None
    comment_id: int | None  # the notification's own comment (a mention in a comment)
    actor_id: int
    actor_comment_id: int | None  # COMMENT: the actor's comment
    at: datetime
    once: bool  # skipped when the actor is in a notification of this key, read or not


@dataclass(frozen=True, slots=True)
class Remove:
    """Take an actor out of every notification of (recipient, kind, key)."""

    recipient_id: int
    kind: str
    key: str | None  # None: any key of the kind
    actor_id: int


@dataclass(frozen=True, slots=True)
class Repoint:
    """An actor's folded comment was deleted: show their newest remaining one instead."""

    recipient_id: int
    kind: str
    key: str
    actor_id: int
    from_comment_id: int
    to_comment_id: int


@dataclass(frozen=True, slots=True)
class Tell:
    """A notification without actors (the system tells the author about their post)."""

    recipient_id: int
    kind: str
    key: str
    post_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class Untell:
    """What the system told no longer holds (a removed post was restored): it goes."""

    recipient_id: int
    kind: str
    key: str


async def lock(conn: asyncpg.Connection, *, wait: bool = False) -> bool:
    """Become the one folder until the transaction ends; False when another one is (unless
    `wait`: then after it)."""
    if wait:
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _FOLD_LOCK)
        return True
    return bool(await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", _FOLD_LOCK))


async def claim(conn: asyncpg.Connection, limit: int) -> list[Event]:
    """Take the oldest events out of the outbox (back in if the transaction rolls back)."""
    records = await conn.fetch(
        """
        DELETE FROM notification_events
        WHERE id IN (SELECT id FROM notification_events ORDER BY id LIMIT $1)
        RETURNING id, recipient_id, kind, actor_id, post_id, comment_id, created_at
        """,
        limit,
    )
    return sorted((Event(*r) for r in records), key=lambda e: e.id)


async def backlog(db: asyncpg.Connection | asyncpg.Pool) -> int:
    return int(await db.fetchval("SELECT count(*) FROM notification_events"))


async def remove(conn: asyncpg.Connection, ops: Sequence[Remove]) -> None:
    """Take actors out; a notification left with none is deleted."""
    if not ops:
        return
    emptied = await conn.fetch(
        """
        WITH gone AS (
            DELETE FROM notification_actors a
            USING notifications n,
                  unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[])
                      AS w (recipient_id, kind, fold_key, actor_id)
            WHERE a.notification_id = n.id AND a.actor_id = w.actor_id
              AND n.recipient_id = w.recipient_id AND n.kind = w.kind
              AND (w.fold_key IS NULL OR n.fold_key = w.fold_key)
            RETURNING a.notification_id
        )
        UPDATE notifications n SET actor_count = n.actor_count - g.gone
        FROM (SELECT notification_id, count(*) AS gone FROM gone GROUP BY 1) g
        WHERE n.id = g.notification_id
        RETURNING n.id, n.actor_count
        """,
        [o.recipient_id for o in ops],
        [o.kind for o in ops],
        [o.key for o in ops],
        [o.actor_id for o in ops],
    )
    empty = [r["id"] for r in emptied if r["actor_count"] == 0]
    if empty:
        await conn.execute("DELETE FROM notifications WHERE id = ANY($1::bigint[])", empty)


async def untell(conn: asyncpg.Connection, ops: Sequence[Untell]) -> None:
    if ops:
        await conn.execute(
            """
            DELETE FROM notifications n
            USING unnest($1::bigint[], $2::text[], $3::text[]) AS w (recipient_id, kind, fold_key)
            WHERE n.recipient_id = w.recipient_id AND n.kind = w.kind AND n.fold_key = w.fold_key
            """,
            [o.recipient_id for o in ops],
            [o.kind for o in ops],
            [o.key for o in ops],
        )


async def repoint(conn: asyncpg.Connection, ops: Sequence[Repoint]) -> None:
    if not ops:
        return
    await conn.execute(
        """
        UPDATE notification_actors a SET comment_id = w.to_id
        FROM notifications n,
             unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[],
                    $6::bigint[]) AS w (recipient_id, kind, fold_key, actor_id, from_id, to_id)
        WHERE a.notification_id = n.id AND n.recipient_id = w.recipient_id
          AND n.kind = w.kind AND n.fold_key = w.fold_key
          AND a.actor_id = w.actor_id AND a.comment_id = w.from_id
        """,
        [o.recipient_id for o in ops],
        [o.kind for o in ops],
        [o.key for o in ops],
        [o.actor_id for o in ops],
        [o.from_comment_id for o in ops],
        [o.to_comment_id for o in ops],
    )


async def already_in(conn: asyncpg.Connection, ops: Sequence[Add]) -> set[int]:
    """Indexes of the adds whose actor is in a notification of their key already."""
    if not ops:
        return set()
    records = await conn.fetch(
        """
        SELECT w.i - 1 AS i
        FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[]) WITH ORDINALITY
            AS w (recipient_id, kind, fold_key, actor_id, i)
        WHERE EXISTS (
            SELECT 1 FROM notifications n
            JOIN notification_actors a ON a.notification_id = n.id AND a.actor_id = w.actor_id
            WHERE n.recipient_id = w.recipient_id AND n.kind = w.kind AND n.fold_key = w.fold_key
        )
        """,
        [o.recipient_id for o in ops],
        [o.kind for o in ops],
        [o.key for o in ops],
        [o.actor_id for o in ops],
    )
    return {int(r["i"]) for r in records}


async def add(
    conn: asyncpg.Connection, adds: Sequence[Add], tells: Sequence[Tell]
) -> list[tuple[int, int]]:
    """Fold actors in (one row per recipient, kind, key and actor) and tell what the system
    tells; (recipient, notification) of every notification that is new or folded anew."""
    heads: dict[tuple[int, str, str], tuple[int | None, int | None, datetime]] = {}
    told: list[Add | Tell] = [*adds, *tells]
    for o in told:
        head = (o.recipient_id, o.kind, o.key)
        comment = o.comment_id if isinstance(o, Add) else None
        newest = max(o.at, heads[head][2]) if head in heads else o.at
        heads[head] = (o.post_id, comment, newest)
    if not heads:
        return []
    records = await conn.fetch(
        """
        INSERT INTO notifications AS n
            (recipient_id, kind, fold_key, post_id, comment_id, updated_at)
        SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[],
                             $6::timestamptz[])
        ON CONFLICT (recipient_id, kind, fold_key) WHERE read_at IS NULL
        DO UPDATE SET updated_at = greatest(n.updated_at, EXCLUDED.updated_at)
        RETURNING n.id, n.recipient_id, n.kind, n.fold_key
        """,
        [h[0] for h in heads],
        [h[1] for h in heads],
        [h[2] for h in heads],
        [v[0] for v in heads.values()],
        [v[1] for v in heads.values()],
        [v[2] for v in heads.values()],
    )
    ids = {(r["recipient_id"], r["kind"], r["fold_key"]): r["id"] for r in records}
    await _add_actors(conn, ids, adds)
    return [(recipient, ids[(recipient, kind, key)]) for recipient, kind, key in heads]


async def _add_actors(
    conn: asyncpg.Connection, ids: dict[tuple[int, str, str], int], adds: Sequence[Add]
) -> None:
    # One row per notification and actor (ON CONFLICT may not touch a row twice).
    rows: dict[tuple[int, int], tuple[int | None, datetime]] = {}
    for o in adds:
        row = (ids[(o.recipient_id, o.kind, o.key)], o.actor_id)
        if row not in rows or o.at >= rows[row][1]:
            rows[row] = (o.actor_comment_id, o.at)
    if not rows:
        return
    await conn.execute(
        """
        WITH added AS (
            INSERT INTO notification_actors AS a (notification_id, actor_id, comment_id, at)
            SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::timestamptz[])
            ON CONFLICT (notification_id, actor_id) DO UPDATE SET
                comment_id = CASE WHEN EXCLUDED.at >= a.at
                                  THEN EXCLUDED.comment_id ELSE a.comment_id END,
                at = greatest(a.at, EXCLUDED.at)
            RETURNING a.notification_id, a.xmax = 0 AS inserted
        )
        UPDATE notifications n SET actor_count = n.actor_count + c.added
        FROM (SELECT notification_id, count(*) FILTER (WHERE inserted) AS added
              FROM added GROUP BY 1) c
        WHERE n.id = c.notification_id AND c.added > 0
        """,
        [r[0] for r in rows],
        [r[1] for r in rows],
        [v[0] for v in rows.values()],
        [v[1] for v in rows.values()],
    )
