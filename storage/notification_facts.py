"""Notification events, and what still holds for a batch of them when it is folded.

An event only says that something changed (a like, a comment, a follow): the fold reads the
truth here and makes the notifications agree with it, so events fold in any order and an
undo (unlike, deleted comment, unfollow) needs no event of its own kind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from storage.visibility import Surface, blocked_sql, post_visible_sql


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    recipient_id: int
    kind: str
    actor_id: int | None
    post_id: int | None
    comment_id: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CommentFact:
    post_id: int
    author_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class FollowFact:
    state: str  # active or pending
    since: datetime


@dataclass(frozen=True, slots=True)
class PostFact:
    author_id: int
    status: str
    at: datetime  # published (or created)


@dataclass
class Facts:
    """What holds now, for a batch of events; live (not deleted) posts only."""

    likes: dict[tuple[int, int], datetime] = field(default_factory=dict)  # (post, user)
    comments: dict[int, CommentFact] = field(default_factory=dict)
    newest_comment: dict[tuple[int, int], int] = field(default_factory=dict)  # (post, author)
    follows: dict[tuple[int, int], FollowFact] = field(default_factory=dict)  # (from, to)
    posts: dict[int, PostFact] = field(default_factory=dict)
    mentioned: set[tuple[int, int]] = field(default_factory=set)  # (post, user)
    may_see: set[tuple[int, int]] = field(default_factory=set)  # (user, post)
    blocked: set[tuple[int, int]] = field(default_factory=set)  # (recipient, actor), either way


def _pairs(pairs: Sequence[tuple[int, int]]) -> tuple[list[int], list[int]]:
    unique = sorted(set(pairs))
    return [a for a, _ in unique], [b for _, b in unique]


async def facts(conn: asyncpg.Connection, events: Sequence[Event]) -> Facts:
    found = Facts()
    of = _Of(events)
    if likes := of.pairs("like", lambda e: (e.post_id, e.actor_id)):
        for r in await conn.fetch(
            """
            SELECT l.post_id, l.user_id, l.created_at
            FROM unnest($1::bigint[], $2::bigint[]) AS w (post_id, user_id)
            JOIN likes l ON l.post_id = w.post_id AND l.user_id = w.user_id
            JOIN posts p ON p.id = l.post_id AND p.deleted_at IS NULL
            """,
            *_pairs(likes),
        ):
            found.likes[(r["post_id"], r["user_id"])] = r["created_at"]
    if comment_ids := sorted({e.comment_id for e in events if e.comment_id is not None}):
        for r in await conn.fetch(
            """
            SELECT c.id, c.post_id, c.author_id, c.created_at FROM comments c
            JOIN posts p ON p.id = c.post_id AND p.deleted_at IS NULL
            WHERE c.id = ANY($1::bigint[])
            """,
            comment_ids,
        ):
            found.comments[r["id"]] = CommentFact(r["post_id"], r["author_id"], r["created_at"])
    if commenters := of.pairs("comment", lambda e: (e.post_id, e.actor_id)):
        for r in await conn.fetch(
            """
            SELECT w.post_id, w.author_id, newest.id
            FROM unnest($1::bigint[], $2::bigint[]) AS w (post_id, author_id)
            CROSS JOIN LATERAL (
                SELECT c.id FROM comments c
                WHERE c.post_id = w.post_id AND c.author_id = w.author_id
                ORDER BY c.id DESC LIMIT 1
            ) newest
            """,
            *_pairs(commenters),
        ):
            found.newest_comment[(r["post_id"], r["author_id"])] = r["id"]
    follows = of.pairs("follow", lambda e: (e.actor_id, e.recipient_id))
    follows += of.pairs("follow_accepted", lambda e: (e.recipient_id, e.actor_id))
    if follows:
        for r in await conn.fetch(
            """
            SELECT f.follower_id, f.followee_id, f.state, f.created_at
            FROM unnest($1::bigint[], $2::bigint[]) AS w (follower_id, followee_id)
            JOIN follows f ON f.follower_id = w.follower_id AND f.followee_id = w.followee_id
            """,
            *_pairs(follows),
        ):
            key = (r["follower_id"], r["followee_id"])
            found.follows[key] = FollowFact(r["state"], r["created_at"])
    if post_ids := sorted({e.post_id for e in events if e.post_id is not None}):
        for r in await conn.fetch(
            """
            SELECT id, author_id, status, coalesce(published_at, created_at) AS at FROM posts
            WHERE id = ANY($1::bigint[]) AND deleted_at IS NULL
            """,
            post_ids,
        ):
            found.posts[r["id"]] = PostFact(r["author_id"], r["status"], r["at"])
    if mentions := of.pairs("mention", lambda e: (e.post_id, e.recipient_id)):
        for r in await conn.fetch(
            """
            SELECT m.post_id, m.user_id
            FROM unnest($1::bigint[], $2::bigint[]) AS w (post_id, user_id)
            JOIN post_mentions m ON m.post_id = w.post_id AND m.user_id = w.user_id
            """,
            *_pairs(mentions),
        ):
            found.mentioned.add((r["post_id"], r["user_id"]))
        visible = post_visible_sql(Surface.LOOKUP, viewer="w.user_id")
        for r in await conn.fetch(
            f"""
            SELECT w.user_id, w.post_id
            FROM unnest($1::bigint[], $2::bigint[]) AS w (post_id, user_id)
            JOIN posts p ON p.id = w.post_id JOIN users u ON u.id = p.author_id
            WHERE {visible}
            """,
            *_pairs(mentions),
        ):
            found.may_see.add((r["user_id"], r["post_id"]))
    if told := of.pairs(None, lambda e: (e.recipient_id, e.actor_id)):
        for r in await conn.fetch(
            f"""
            SELECT w.recipient_id, w.actor_id
            FROM unnest($1::bigint[], $2::bigint[]) AS w (recipient_id, actor_id)
            WHERE {blocked_sql("w.recipient_id", "w.actor_id")}
            """,
            *_pairs(told),
        ):
            found.blocked.add((r["recipient_id"], r["actor_id"]))
    return found


class _Of:
    def __init__(self, events: Sequence[Event]) -> None:
        self._events = events

    def pairs(
        self, kind: str | None, key: Callable[[Event], tuple[int | None, int | None]]
    ) -> list[tuple[int, int]]:
        """`key(event)` of the events of `kind` with an actor (any kind when None)."""
        picked = []
        for e in self._events:
            if e.actor_id is None or (kind is not None and e.kind != kind):
                continue
            a, b = key(e)
            if a is not None and b is not None:
                picked.append((a, b))
        return picked
