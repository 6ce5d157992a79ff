"""The audit once traffic has stopped: the queue drained, then every acknowledged write, every
post's state, every counter against its rows, and every feed against the pull query."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from redis.asyncio import Redis

from schema import global_id
from storage import keys, posts

from .client import Api, User
from .config import FEED, FEED_AUDIT_DEPTH, FEED_PAGE, SETTLE_S
from .workload import World

ARQ_IN_PROGRESS = "arq:in-progress:"


def row_id(gid: str) -> int:
    decoded = global_id.decode(gid)
    assert decoded is not None, gid
    return decoded[1]


@dataclass
class Audit:
    settle_s: float = 0.0
    posts_acknowledged: int = 0
    post_states: dict[str, int] = field(default_factory=dict)
    lost_posts: list[int] = field(default_factory=list)
    stuck_posts: list[int] = field(default_factory=list)
    lost_writes: dict[str, int] = field(default_factory=dict)  # follows, likes, comments
    wrong_counters: dict[str, int] = field(default_factory=dict)  # counter -> rows off
    counter_examples: list[str] = field(default_factory=list)
    feeds_checked: int = 0
    feed_ids_compared: int = 0
    wrong_feeds: list[str] = field(default_factory=list)  # usernames
    feed_examples: list[str] = field(default_factory=list)
    # Per missing post: what the next look needs (is it in the reader's stored feed, how many
    # posts its author has against the follow's backfill of 20, when each thing happened).
    feed_diagnoses: list[dict[str, Any]] = field(default_factory=list)


async def _busy_jobs(redis: Redis) -> int:
    """Processing and fan-out jobs queued or running."""
    queued = [j.decode() for j in await redis.zrange(keys.JOB_QUEUE, 0, -1)]
    running = [
        k.decode()[len(ARQ_IN_PROGRESS) :] async for k in redis.scan_iter(f"{ARQ_IN_PROGRESS}*")
    ]
    # Only the jobs the audit depends on: a post's processing and its fan-out (others, such
    # as a deferred engagement drain, may wait in the queue for a minute).
    return sum(job.startswith(("post:", "fanout:")) for job in queued + running)


async def settle(db: asyncpg.Connection, redis_url: str, world: World) -> float:
    """Wait until no acknowledged post is processing and no job is queued or running (at
    most SETTLE_S); the seconds waited."""
    ids = [row_id(p) for p in world.posts]
    start = time.monotonic()
    redis = Redis.from_url(redis_url)
    try:
        quiet = 0
        while time.monotonic() - start < SETTLE_S:
            processing = await db.fetchval(
                "SELECT count(*) FROM posts WHERE id = ANY($1::bigint[]) AND status = 'processing'",
                ids,
            )
            quiet = quiet + 1 if processing == 0 and await _busy_jobs(redis) == 0 else 0
            if quiet >= 3:  # three looks in a row, a second apart
                break
            await asyncio.sleep(1)
    finally:
        await redis.aclose()
    return time.monotonic() - start


async def check_posts(db: asyncpg.Connection, world: World, audit: Audit) -> list[asyncpg.Record]:
    ids = [row_id(p) for p in world.posts]
    audit.posts_acknowledged = len(ids)
    rows: list[asyncpg.Record] = await db.fetch(
        "SELECT id, status, deleted_at, created_at, published_at FROM posts"
        " WHERE id = ANY($1::bigint[])",
        ids,
    )
    found = {r["id"]: r for r in rows}
    audit.lost_posts = sorted(i for i in ids if i not in found or found[i]["deleted_at"])
    audit.stuck_posts = sorted(i for i, r in found.items() if r["status"] == "processing")
    audit.post_states = dict(Counter(r["status"] for r in rows))
    return rows


async def check_writes(db: asyncpg.Connection, world: World, audit: Audit) -> None:
    follows = await db.fetch("SELECT follower_id, followee_id FROM follows WHERE state = 'active'")
    have = {(r["follower_id"], r["followee_id"]) for r in follows}
    lost_follows = sum((row_id(a), row_id(b)) not in have for a, b in world.follows)
    likes = {
        (r["user_id"], r["post_id"]) for r in await db.fetch("SELECT user_id, post_id FROM likes")
    }
    wrong_likes = sum(
        ((row_id(u), row_id(p)) in likes) != state
        for (u, p), state in world.likes.items()
        if state is not None
    )
    comment_ids = [row_id(c) for c in world.comments]
    present = await db.fetchval(
        "SELECT count(*) FROM comments WHERE id = ANY($1::bigint[])", comment_ids
    )
    audit.lost_writes = {
        "follows": lost_follows,
        "likes": wrong_likes,
        "comments": len(comment_ids) - present,
    }


# Each statement: the rows whose kept counter differs from a count of the rows it counts.
COUNTER_CHECKS = {
    "users.follower_count": """
        SELECT u.id, u.follower_count AS kept, count(f.*) AS actual FROM users u
        LEFT JOIN follows f ON f.followee_id = u.id AND f.state = 'active'
        GROUP BY u.id HAVING u.follower_count <> count(f.*)""",
    "users.following_count": """
        SELECT u.id, u.following_count AS kept, count(f.*) AS actual FROM users u
        LEFT JOIN follows f ON f.follower_id = u.id AND f.state = 'active'
        GROUP BY u.id HAVING u.following_count <> count(f.*)""",
    "users.post_count": """
        SELECT u.id, u.post_count AS kept, count(p.*) AS actual FROM users u
        LEFT JOIN posts p ON p.author_id = u.id AND p.deleted_at IS NULL
            AND p.status IN ('published', 'flagged')
        GROUP BY u.id HAVING u.post_count <> count(p.*)""",
    "post likes": """
        SELECT p.id, coalesce((SELECT sum(value) FROM post_counter_shards s
                               WHERE s.post_id = p.id AND s.counter = 'likes'), 0) AS kept,
               (SELECT count(*) FROM likes l WHERE l.post_id = p.id) AS actual
        FROM posts p""",
    "post comments": """
        SELECT p.id, coalesce((SELECT sum(value) FROM post_counter_shards s
                               WHERE s.post_id = p.id AND s.counter = 'comments'), 0) AS kept,
               (SELECT count(*) FROM comments c WHERE c.post_id = p.id) AS actual
        FROM posts p""",
}


async def check_counters(db: asyncpg.Connection, audit: Audit) -> None:
    for name, sql in COUNTER_CHECKS.items():
        rows = [r for r in await db.fetch(sql) if r["kept"] != r["actual"]]
        audit.wrong_counters[name] = len(rows)
        audit.counter_examples += [
            f"{name} of {r['id']}: kept {r['kept']}, rows {r['actual']}" for r in rows[:3]
        ]


async def _api_feed(api: Api, user: User) -> list[int] | None:
    ids: list[int] = []
    after: str | None = None
    while len(ids) < FEED_AUDIT_DEPTH:
        variables: dict[str, Any] = {"first": FEED_PAGE, "after": after, "order": "CHRONOLOGICAL"}
        answer = await api.gql("audit.feed", FEED, variables, user.token)
        if not answer.ok or answer.data is None:
            return None
        page = answer.data["feed"]
        ids += [row_id(e["node"]["id"]) for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    return ids[:FEED_AUDIT_DEPTH]


_DIAGNOSE = """
SELECT p.id, p.author_id, p.status, p.created_at, p.published_at,
       (SELECT count(*) FROM posts q
        WHERE q.author_id = p.author_id AND q.deleted_at IS NULL) AS author_posts,
       f.created_at AS followed_at,
       EXISTS (SELECT 1 FROM feed_items i WHERE i.user_id = $1 AND i.post_id = p.id)
           AS in_stored_feed
FROM posts p
LEFT JOIN follows f ON f.follower_id = $1 AND f.followee_id = p.author_id
WHERE p.id = ANY($2::bigint[])
"""


async def _diagnose(
    db: asyncpg.Connection, reader_id: int, post_ids: list[int], world: World
) -> list[dict[str, Any]]:
    acknowledged = {row_id(gid) for gid in world.posts}
    return [
        {
            "reader": reader_id,
            **{k: str(v) if hasattr(v, "isoformat") else v for k, v in dict(r).items()},
            "acknowledged": r["id"] in acknowledged,
        }
        for r in await db.fetch(_DIAGNOSE, reader_id, post_ids)
    ]


async def check_feeds(db: asyncpg.Connection, api: Api, world: World, audit: Audit) -> None:
    for user in world.users:
        got = await _api_feed(api, user)
        expected = await posts.newest_from_all_followees(
            db, row_id(user.global_id), before=None, limit=FEED_AUDIT_DEPTH
        )
        audit.feeds_checked += 1
        audit.feed_ids_compared += len(expected)
        if got != expected:
            audit.wrong_feeds.append(user.username)
            missing, extra = set(expected) - set(got or []), set(got or []) - set(expected)
            audit.feed_examples.append(
                f"{user.username}: {len(missing)} missing {sorted(missing)[:3]}, {len(extra)} extra"
                + ("" if got is not None else " (the feed did not answer)")
            )
            if len(audit.feed_diagnoses) < 10:
                audit.feed_diagnoses += await _diagnose(
                    db, row_id(user.global_id), sorted(missing)[:3], world
                )
