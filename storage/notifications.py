"""Notifications as their recipient reads them, and the events that make them.

Writers only append events (`event_sql`, in the statement of the change itself); the fold job
(storage/notification_folding.py) turns them into notifications. Every read here re-applies
the visibility policy: a notification whose post the recipient may not see now, or whose
actors are all blocked either way with the recipient, does not exist for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage import users
from storage.types import Executor
from storage.users import UserRow
from storage.visibility import Surface, blocked_sql, post_visible_sql, sql_list

# Kinds told by the system, not by someone: no actors.
SYSTEM_KINDS = ("post_published", "post_failed", "post_removed")
# Newest actors read with each notification; `actors(first:)` asks for more separately.
ACTORS_PREFETCH = 10


def event_sql(
    source: str,
    *,
    kind: str,
    recipient: str,
    actor: str,
    post: str = "NULL::bigint",
    comment: str = "NULL::bigint",
    where: str = "true",
) -> str:
    """SQL (for a WITH clause) appending one event per row of the CTE or table `source`."""
    return (
        "INSERT INTO notification_events (recipient_id, kind, actor_id, post_id, comment_id)"
        f" SELECT {recipient}, '{kind}', {actor}, {post}, {comment} FROM {source} WHERE {where}"
    )


async def append(db: Executor, kind: str, pairs: Sequence[tuple[int, int]]) -> None:
    """Events of one kind between users, (recipient, actor) each, on their own (inside the
    caller's transaction when `db` is a connection in one)."""
    if pairs:
        await db.execute(
            event_sql(
                "unnest($1::bigint[], $2::bigint[]) AS w (recipient_id, actor_id)",
                kind=kind,
                recipient="w.recipient_id",
                actor="w.actor_id",
            ),
            [recipient for recipient, _ in pairs],
            [actor for _, actor in pairs],
        )


_TELL = event_sql(
    "posts p",
    kind="{kind}",
    recipient="p.author_id",
    actor="NULL::bigint",
    post="p.id",
    where="p.id = $1",
)
_MENTIONED = event_sql(
    "posts p JOIN post_mentions m ON m.post_id = p.id",
    kind="mention",
    recipient="m.user_id",
    actor="p.author_id",
    post="p.id",
    where="p.id = $1",
)
# A caption's mentions are told when its post goes live, with the author's news of it.
_PUBLISHED = f"WITH mentioned AS ({_MENTIONED}) {_TELL.format(kind='post_published')}"


async def told_published(conn: Executor, post_id: int) -> None:
    """In the transaction that publishes the post: its author and the users its caption
    mentions are told (the fold checks that each of them may see it)."""
    await conn.execute(_PUBLISHED, post_id)


async def told_post(conn: Executor, kind: str, post_id: int) -> None:
    """In the transaction that changes the post's state: its author is told (`kind`:
    post_failed, or post_removed from moderation)."""
    assert kind in SYSTEM_KINDS
    await conn.execute(_TELL.format(kind=kind), post_id)


@dataclass(slots=True)
class NotificationRow:
    id: int
    kind: str
    post_id: int | None
    comment_id: int | None  # MENTION's comment, or the newest COMMENT actor's
    actor_count: int  # the actors the recipient may see
    actors: tuple[UserRow, ...]  # newest first, at most ACTORS_PREFETCH
    read: bool
    updated_at: datetime


def _shown(n: str) -> str:
    """Actors of notification `n` that its recipient may see (no block either way)."""
    return (
        f"notification_actors a WHERE a.notification_id = {n}.id"
        f" AND NOT {blocked_sql('a.actor_id', f'{n}.recipient_id')}"
    )


def visible_sql(n: str = "n") -> str:
    """Whether notification `n` exists for its recipient now: its post (if any) is one they
    may look up, and it names an actor they may see (or is told by the system)."""
    post = post_visible_sql(Surface.LOOKUP, viewer=f"{n}.recipient_id", post="vp", author="va")
    return (
        f"({n}.post_id IS NULL OR EXISTS (SELECT 1 FROM posts vp JOIN users va"
        f" ON va.id = vp.author_id WHERE vp.id = {n}.post_id AND {post}))"
        f" AND ({n}.kind IN ({sql_list(SYSTEM_KINDS)}) OR EXISTS (SELECT 1 FROM {_shown(n)}))"
    )


# The users blocked either way with `r`: `blocked_sql` turned into a set, so that a folded
# notification with many actors subtracts its blocked ones by key instead of scanning them.
def _blocked_with(r: str) -> str:
    return (
        f"(SELECT bk.blocked_id FROM blocks bk WHERE bk.blocker_id = {r}"
        f" UNION ALL SELECT bk.blocker_id FROM blocks bk WHERE bk.blocked_id = {r})"
    )


_USER_ROW = ", ".join(f"u.{name}" for name in users.FIELDS)

_ROWS = f"""
SELECT n.id, n.kind, n.post_id, n.read_at IS NOT NULL AS read, n.updated_at,
       n.actor_count - (SELECT count(*) FROM notification_actors b
                        WHERE b.notification_id = n.id
                          AND b.actor_id IN {_blocked_with("n.recipient_id")}) AS actor_count,
       coalesce(n.comment_id, shown.comment_id) AS comment_id, shown.actors
FROM notifications n
LEFT JOIN LATERAL (
    SELECT array_agg(ROW({_USER_ROW}) ORDER BY a.at DESC, a.actor_id DESC) AS actors,
           (array_agg(a.comment_id ORDER BY a.at DESC, a.actor_id DESC))[1] AS comment_id
    FROM (SELECT a.actor_id, a.comment_id, a.at FROM {_shown("n")}
          ORDER BY a.at DESC, a.actor_id DESC LIMIT {ACTORS_PREFETCH}) a
    JOIN users u ON u.id = a.actor_id
) shown ON true
"""


def _row(r: Any) -> NotificationRow:
    return NotificationRow(
        r["id"],
        r["kind"],
        r["post_id"],
        r["comment_id"],
        max(int(r["actor_count"]), 0),
        tuple(UserRow(*actor) for actor in r["actors"] or ()),
        r["read"],
        r["updated_at"],
    )


async def page(
    db: Executor, recipient_id: int, *, after: tuple[datetime, int] | None, limit: int
) -> list[NotificationRow]:
    """Newest first (by their newest event), after the keyset position `after`."""
    records = await db.fetch(
        f"""{_ROWS}
        WHERE n.recipient_id = $1
          AND ($2::timestamptz IS NULL OR (n.updated_at, n.id) < ($2, $3::bigint))
          AND {visible_sql()}
        ORDER BY n.updated_at DESC, n.id DESC
        LIMIT $4
        """,
        recipient_id,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
    return [_row(r) for r in records]


async def by_ids(db: Executor, recipient_id: int, ids: Sequence[int]) -> list[NotificationRow]:
    """These notifications of the recipient that exist for them now, newest first."""
    records = await db.fetch(
        f"""{_ROWS}
        WHERE n.id = ANY($2::bigint[]) AND n.recipient_id = $1 AND {visible_sql()}
        ORDER BY n.updated_at DESC, n.id DESC
        """,
        recipient_id,
        list(ids),
    )
    return [_row(r) for r in records]


async def actors(
    db: Executor, notification_id: int, recipient_id: int, *, limit: int
) -> list[UserRow]:
    """More of a notification's actors than prefetched, newest first."""
    records = await db.fetch(
        f"""
        SELECT {_USER_ROW}
        FROM (SELECT a.actor_id, a.at FROM notifications n, {_shown("n")}
                AND n.id = $1 AND n.recipient_id = $2
              ORDER BY a.at DESC, a.actor_id DESC LIMIT $3) a
        JOIN users u ON u.id = a.actor_id
        ORDER BY a.at DESC, a.actor_id DESC
        """,
        notification_id,
        recipient_id,
        limit,
    )
    return [UserRow.from_record(r) for r in records]


async def unread_count(db: Executor, recipient_id: int) -> int:
    count = await db.fetchval(
        f"SELECT count(*) FROM notifications n"
        f" WHERE n.recipient_id = $1 AND n.read_at IS NULL AND {visible_sql()}",
        recipient_id,
    )
    return int(count)


async def mark_read(db: Executor, recipient_id: int, up_to: int | None) -> int | None:
    """Mark the recipient's unread notifications read, all of them or those at or below
    `up_to` in the list's order; how many changed, or None when `up_to` is not theirs.

    A notification folded anew since the list was read sits above `up_to` and stays unread.
    Concurrent calls each count only the rows they changed.
    """
    record = await db.fetchrow(
        f"""
        WITH mark AS (
            SELECT m.updated_at, m.id FROM notifications m
            WHERE m.id = $2 AND m.recipient_id = $1 AND {visible_sql("m")}
        ), changed AS (
            UPDATE notifications n SET read_at = now()
            WHERE n.recipient_id = $1 AND n.read_at IS NULL
              AND ($2::bigint IS NULL OR (n.updated_at, n.id) <= (SELECT * FROM mark))
              AND {visible_sql()}
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM changed) AS changed, EXISTS (SELECT 1 FROM mark) AS found
        """,
        recipient_id,
        up_to,
    )
    assert record is not None
    if up_to is not None and not record["found"]:
        return None
    return int(record["changed"])


async def prune(db: Executor, *, keep: int, days: int) -> int:
    """Retention: each user's newest `keep` notifications, none older than `days`."""
    deleted = await db.fetchval(
        """
        WITH old AS (
            DELETE FROM notifications
            WHERE updated_at < now() - make_interval(days => $2)
            RETURNING 1
        ), crowded AS (
            DELETE FROM notifications n USING (
                SELECT id FROM (
                    SELECT id, row_number() OVER (
                        PARTITION BY recipient_id ORDER BY updated_at DESC, id DESC) AS rank
                    FROM notifications
                    WHERE updated_at >= now() - make_interval(days => $2)
                      AND recipient_id IN (SELECT recipient_id FROM notifications
                                           GROUP BY recipient_id HAVING count(*) > $1)
                ) ranked WHERE rank > $1
            ) extra
            WHERE n.id = extra.id
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM old) + (SELECT count(*) FROM crowded)
        """,
        keep,
        days,
    )
    return int(deleted)
