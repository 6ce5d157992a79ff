"""Blocks and mutes: the rows behind them (storage/visibility.py is the policy using them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from storage.follows import FollowEdge
from storage.types import Executor
from storage.users import COLUMNS, UserRow


@dataclass(frozen=True)
class DroppedFollow:
    follower_id: int
    followee_id: int
    state: str  # 'active' or 'pending'


async def insert_block(conn: asyncpg.Connection, blocker_id: int, blocked_id: int) -> bool:
    """True when the block is new (blocking twice is one block)."""
    status = await conn.execute(
        "INSERT INTO blocks (blocker_id, blocked_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        blocker_id,
        blocked_id,
    )
    return bool(status == "INSERT 0 1")


async def delete_block(db: Executor, blocker_id: int, blocked_id: int) -> bool:
    status = await db.execute(
        "DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2", blocker_id, blocked_id
    )
    return bool(status == "DELETE 1")


async def blocks_between(db: Executor, viewer_id: int, other_id: int) -> tuple[bool, bool]:
    """(the other blocked the viewer, the viewer blocked the other)."""
    record = await db.fetchrow(
        """
        SELECT EXISTS (SELECT 1 FROM blocks WHERE blocker_id = $2 AND blocked_id = $1) AS by,
               EXISTS (SELECT 1 FROM blocks WHERE blocker_id = $1 AND blocked_id = $2) AS of
        """,
        viewer_id,
        other_id,
    )
    assert record is not None
    return bool(record["by"]), bool(record["of"])


async def drop_follows_between(conn: asyncpg.Connection, a: int, b: int) -> list[DroppedFollow]:
    """Remove follows and requests both ways; the caller fixes the counts of active ones."""
    records = await conn.fetch(
        """
        DELETE FROM follows
        WHERE (follower_id = $1 AND followee_id = $2) OR (follower_id = $2 AND followee_id = $1)
        RETURNING follower_id, followee_id, state
        """,
        a,
        b,
    )
    return [DroppedFollow(r["follower_id"], r["followee_id"], r["state"]) for r in records]


async def blocked_page(
    db: Executor, blocker_id: int, *, after: tuple[datetime, int] | None, limit: int
) -> list[FollowEdge]:
    """Whom the user blocked, newest first; (created_at, id) is the keyset."""
    records = await db.fetch(
        f"""
        SELECT {COLUMNS}, b.created_at AS since
        FROM blocks b JOIN users u ON u.id = b.blocked_id
        WHERE b.blocker_id = $1
          AND ($2::timestamptz IS NULL OR (b.created_at, b.blocked_id) < ($2, $3))
        ORDER BY b.created_at DESC, b.blocked_id DESC
        LIMIT $4
        """,
        blocker_id,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
    return [FollowEdge(UserRow.from_record(r), r["since"]) for r in records]


async def insert_mute(db: Executor, muter_id: int, muted_id: int) -> bool:
    """True when the mute is new."""
    status = await db.execute(
        "INSERT INTO mutes (muter_id, muted_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        muter_id,
        muted_id,
    )
    return bool(status == "INSERT 0 1")


async def delete_mute(db: Executor, muter_id: int, muted_id: int) -> bool:
    status = await db.execute(
        "DELETE FROM mutes WHERE muter_id = $1 AND muted_id = $2", muter_id, muted_id
    )
    return bool(status == "DELETE 1")
