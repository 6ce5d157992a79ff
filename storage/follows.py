"""The follow graph. Counters on `users` count active follows only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import asyncpg

from storage.types import Executor
from storage.users import COLUMNS, UserRow
from storage.visibility import muted_sql, user_listed_sql

FollowState = Literal["active", "pending"]


@dataclass(frozen=True)
class FollowEdge:
    user: UserRow
    since: datetime


async def lock_users(conn: asyncpg.Connection, ids: Sequence[int]) -> dict[int, bool]:
    """Lock user rows in id order (so concurrent follows cannot deadlock); id -> is_private.

    FOR NO KEY UPDATE, the lock an UPDATE of the counters takes anyway: follows, blocks and
    privacy changes still queue on each other, but not on the key-share locks that inserts
    referencing users take (likes, comments, feed rows, the notification fold's actors).
    With FOR UPDATE, a fold holding some users' key-share locks and waiting for one a follow
    held, while the follow waited for one of the fold's, deadlocked (seen by the soak)."""
    records = await conn.fetch(
        "SELECT id, is_private FROM users WHERE id = ANY($1::bigint[]) ORDER BY id"
        " FOR NO KEY UPDATE",
        list(ids),
    )
    return {r["id"]: r["is_private"] for r in records}


async def state(db: Executor, follower_id: int, followee_id: int) -> FollowState | None:
    return await db.fetchval(  # type: ignore[no-any-return]
        "SELECT state FROM follows WHERE follower_id = $1 AND followee_id = $2",
        follower_id,
        followee_id,
    )


async def states(db: Executor, follower_id: int, followee_ids: Sequence[int]) -> dict[int, str]:
    records = await db.fetch(
        "SELECT followee_id, state FROM follows"
        " WHERE follower_id = $1 AND followee_id = ANY($2::bigint[])",
        follower_id,
        list(followee_ids),
    )
    return {r["followee_id"]: r["state"] for r in records}


async def insert(
    conn: asyncpg.Connection, follower_id: int, followee_id: int, new_state: FollowState
) -> bool:
    status = await conn.execute(
        "INSERT INTO follows (follower_id, followee_id, state) VALUES ($1, $2, $3)"
        " ON CONFLICT DO NOTHING",
        follower_id,
        followee_id,
        new_state,
    )
    return bool(status == "INSERT 0 1")


async def delete(conn: asyncpg.Connection, follower_id: int, followee_id: int) -> str | None:
    """Remove a follow or a request; returns the state it had."""
    return await conn.fetchval(  # type: ignore[no-any-return]
        "DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2 RETURNING state",
        follower_id,
        followee_id,
    )


async def delete_pending(conn: asyncpg.Connection, follower_id: int, followee_id: int) -> bool:
    status = await conn.execute(
        "DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2 AND state = 'pending'",
        follower_id,
        followee_id,
    )
    return bool(status == "DELETE 1")


async def activate(conn: asyncpg.Connection, follower_id: int, followee_id: int) -> bool:
    """Turn a pending request into a follow; the follow counts from now."""
    status = await conn.execute(
        "UPDATE follows SET state = 'active', created_at = now()"
        " WHERE follower_id = $1 AND followee_id = $2 AND state = 'pending'",
        follower_id,
        followee_id,
    )
    return bool(status == "UPDATE 1")


async def activate_all_pending(conn: asyncpg.Connection, followee_id: int) -> list[int]:
    """Approve every pending request to a user (they went public); returns the followers."""
    records = await conn.fetch(
        "UPDATE follows SET state = 'active', created_at = now()"
        " WHERE followee_id = $1 AND state = 'pending' RETURNING follower_id",
        followee_id,
    )
    return [r["follower_id"] for r in records]


async def adjust_counts(
    conn: asyncpg.Connection, follower_ids: Sequence[int], followee_id: int, delta: int
) -> set[int]:
    """Add delta to each follower's following_count and to the followee's follower_count.

    Also marks each follower's feed stale, in the follow's (or unfollow's) own transaction:
    their feed lacks the followee's posts (or still has them) until the clean-up after the
    commit has run (resolvers/graph.py clears the mark then). Should it fail (Redis or
    PostgreSQL gone after the commit), the next feed read rebuilds the feed instead (an
    unfollow also leaves a `note_removal` row for it). Returns the followers this statement
    marked (those not already stale for another reason)."""
    records = await conn.fetch(
        """
        UPDATE users SET
            following_count = following_count
                + CASE WHEN id = ANY($1::bigint[]) THEN $3::int ELSE 0 END,
            follower_count = follower_count
                + CASE WHEN id = $2 THEN $3::int * cardinality($1::bigint[]) ELSE 0 END,
            feed_stale = feed_stale OR id = ANY($1::bigint[])
        WHERE id = ANY($1::bigint[]) OR id = $2
        -- The subquery reads the statement's snapshot: the flag as it was before.
        RETURNING id, (SELECT o.feed_stale FROM users o WHERE o.id = users.id) AS was_stale
        """,
        list(follower_ids),
        followee_id,
        delta,
    )
    return {r["id"] for r in records if r["id"] in follower_ids and not r["was_stale"]}


async def note_removal(conn: asyncpg.Connection, user_id: int, author_id: int) -> None:
    """In an unfollow's transaction: `author_id`'s posts are to leave `user_id`'s feed."""
    await conn.execute(
        "INSERT INTO feed_removals (user_id, author_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        user_id,
        author_id,
    )


async def forget_removals(db: Executor, user_id: int, author_ids: Sequence[int]) -> None:
    await db.execute(
        "DELETE FROM feed_removals WHERE user_id = $1 AND author_id = ANY($2::bigint[])",
        user_id,
        list(author_ids),
    )


async def pending_removals(db: Executor, user_id: int) -> dict[int, bool]:
    """Authors an unfinished unfollow noted for the user's feed: whether the user follows
    them again since (then their posts stay)."""
    records = await db.fetch(
        """
        SELECT r.author_id,
               EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = r.user_id
                       AND f.followee_id = r.author_id AND f.state = 'active') AS followed
        FROM feed_removals r
        WHERE r.user_id = $1
        """,
        user_id,
    )
    return {r["author_id"]: r["followed"] for r in records}


async def _page(
    db: Executor,
    *,
    anchor: str,
    other: str,
    user_id: int,
    state: FollowState,
    after: tuple[datetime, int] | None,
    limit: int,
    viewer_id: int | None,
) -> list[FollowEdge]:
    # Newest first; (created_at, other id) is the keyset, so new follows never shift a page.
    records = await db.fetch(
        f"""
        SELECT {COLUMNS}, f.created_at AS since
        FROM follows f JOIN users u ON u.id = f.{other}
        WHERE f.{anchor} = $1 AND f.state = $2
          AND ($3::timestamptz IS NULL OR (f.created_at, f.{other}) < ($3, $4))
          AND {user_listed_sql(viewer="$6::bigint", user="u.id")}
        ORDER BY f.created_at DESC, f.{other} DESC
        LIMIT $5
        """,
        user_id,
        state,
        after[0] if after else None,
        after[1] if after else None,
        limit,
        viewer_id,
    )
    return [FollowEdge(UserRow.from_record(r), r["since"]) for r in records]


async def followers(
    db: Executor,
    user_id: int,
    *,
    state: FollowState,
    after: tuple[datetime, int] | None,
    limit: int,
    viewer_id: int | None = None,
) -> list[FollowEdge]:
    """The user's followers (or requesters) as `viewer_id` may list them."""
    return await _page(
        db,
        anchor="followee_id",
        other="follower_id",
        user_id=user_id,
        state=state,
        after=after,
        limit=limit,
        viewer_id=viewer_id,
    )


async def following(
    db: Executor,
    user_id: int,
    *,
    after: tuple[datetime, int] | None,
    limit: int,
    viewer_id: int | None = None,
) -> list[FollowEdge]:
    """Whom the user follows, as `viewer_id` may list them."""
    return await _page(
        db,
        anchor="follower_id",
        other="followee_id",
        user_id=user_id,
        state="active",
        after=after,
        limit=limit,
        viewer_id=viewer_id,
    )


async def active_followers_after(
    db: Executor, followee_id: int, *, after: int, active_days: int, limit: int
) -> list[int]:
    """Followers seen within `active_days`, by id, after `after` (a fan-out batch); those
    who muted the author get nothing pushed."""
    records = await db.fetch(
        f"""
        SELECT f.follower_id FROM follows f JOIN users u ON u.id = f.follower_id
        WHERE f.followee_id = $1 AND f.state = 'active' AND f.follower_id > $2
          AND u.last_active_at >= now() - make_interval(days => $3)
          AND NOT {muted_sql("f.follower_id", "$1")}
        ORDER BY f.follower_id
        LIMIT $4
        """,
        followee_id,
        after,
        active_days,
        limit,
    )
    return [r["follower_id"] for r in records]


async def followers_after(db: Executor, followee_id: int, *, after: int, limit: int) -> list[int]:
    """Every follower by id after `after`, active or not."""
    records = await db.fetch(
        "SELECT follower_id FROM follows WHERE followee_id = $1 AND state = 'active'"
        " AND follower_id > $2 ORDER BY follower_id LIMIT $3",
        followee_id,
        after,
        limit,
    )
    return [r["follower_id"] for r in records]


async def celebrity_followees(db: Executor, user_id: int, *, threshold: int) -> list[int]:
    """Followees at or above the celebrity threshold, merged into the user's feed at read
    (and live updates): the muted ones are not."""
    records = await db.fetch(
        f"""
        SELECT f.followee_id FROM follows f JOIN users u ON u.id = f.followee_id
        WHERE f.follower_id = $1 AND f.state = 'active' AND u.follower_count >= $2
          AND NOT {muted_sql("$1", "f.followee_id")}
        ORDER BY f.followee_id
        """,
        user_id,
        threshold,
    )
    return [r["followee_id"] for r in records]
