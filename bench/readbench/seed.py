"""Seeding for the read path: feedbench's graph and posts, plus media, tags, likes, comments."""

from __future__ import annotations

import dataclasses
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from feedbench.config import Plan
from feedbench.console import log
from feedbench.graph import CAPTION_WORDS, Population, seed_follows, seed_posts, seed_users
from feedbench.seed import (
    SeedInfo,
    deferred_indexes,
    fill_feed_store,
    issue_tokens,
    pick_viewers,
    seed_counters,
    seed_session,
)

from storage import counters

from .config import FOLLOWS_PER_USER, POSTS_PER_USER, TAGS, TARGET_COMMENTS, Targets


@dataclass
class ReadSeed:
    users: int = 0
    follows: int = 0
    posts: int = 0
    media: int = 0
    likes: int = 0
    comments: int = 0
    hashtags: int = 0
    feed_items: int = 0
    celebrities: int = 0
    celebrity_followers: int = 0
    viewers: int = 0
    viewers_mean_following: float = 0.0
    db_size_mb: float = 0.0
    seconds: float = 0.0
    tokens: dict[int, str] = field(default_factory=dict, repr=False)


def read_plan(users: int, viewers: int) -> Plan:
    """feedbench's plan for this many users (same graph shape), with our edge and post counts."""
    plan = Plan.for_scale(users / 20_000, viewers)
    return dataclasses.replace(
        plan, users=users, edges=users * FOLLOWS_PER_USER, posts=users * POSTS_PER_USER
    )


# One to three photos per post (80/15/5 %), each READY with the four variants the
# imaging worker writes (keys laid out like storage/objects/base.py variant_key).
MEDIA_SQL = """
WITH m AS (
    SELECT snowflake_id() AS id, p.id AS post_id, p.author_id, g.pos, p.created_at
    FROM posts p
    CROSS JOIN LATERAL generate_series(
        0, CASE WHEN p.id % 20 < 16 THEN 0 WHEN p.id % 20 < 19 THEN 1 ELSE 2 END) AS g (pos)
)
INSERT INTO media (id, owner_id, kind, status, content_type, byte_size, post_id, position,
                   width, height, blurhash, variants, created_at)
SELECT m.id, m.author_id, 'photo', 'ready', 'image/jpeg', 2400000, m.post_id, m.pos,
       1080, 1350, 'LEHV6nWB2yk8pyo0adR*.7kCMdnj',
       (SELECT jsonb_agg(jsonb_build_object(
                   'size', s.size, 'key', 'media/' || m.id || '/' || lower(s.size) || '.webp',
                   'width', s.w, 'height', s.h, 'content_type', 'image/webp') ORDER BY s.w)
        FROM (VALUES ('THUMBNAIL', 150, 150), ('SMALL', 320, 400), ('FEED', 640, 800),
                     ('FULL', 1080, 1350)) AS s (size, w, h)),
       m.created_at
FROM m
"""

# Where the schema gives each media a random key secret (migrations/postgres/0007), the
# variant keys carry it: media/{id}/{key_secret}/{size}.webp.
KEY_SECRET_SQL = """
UPDATE media m SET variants = (
    SELECT jsonb_agg(jsonb_set(v, '{key}', to_jsonb(
               'media/' || m.id || '/' || m.key_secret || '/' || lower(v ->> 'size') || '.webp'))
           ORDER BY (v ->> 'width')::int)
    FROM jsonb_array_elements(m.variants) AS v)
"""

# Sharded counters as likes and comments leave them (migrations/postgres/0004_engagement.sql),
# then compacted as the engagement drain leaves them (storage/counters.compact).
SHARDS_SQL = """
INSERT INTO post_counter_shards (post_id, counter, shard, value)
SELECT post_id, 'likes', (user_id % 16)::smallint, count(*) FROM likes GROUP BY 1, 3
UNION ALL
SELECT post_id, 'comments', (id % 16)::smallint, count(*) FROM comments GROUP BY 1, 3
"""

HASHTAGS_SQL = """
INSERT INTO hashtags (name, post_count)
SELECT tag, count(*) FROM posts p CROSS JOIN LATERAL unnest(p.hashtags) AS tag
WHERE p.status = 'published' AND p.deleted_at IS NULL GROUP BY tag
"""


async def seed_read_path(
    dsn: str, users: int, viewers: int, rnd: random.Random
) -> tuple[ReadSeed, Targets]:
    plan = read_plan(users, viewers)
    out = ReadSeed(users=plan.users, celebrity_followers=plan.celebrity_followers)
    info = SeedInfo()
    start = time.perf_counter()
    conn: asyncpg.Connection = await asyncpg.connect(dsn)
    try:
        if await conn.fetchval("SELECT count(*) FROM users"):
            raise SystemExit("the database already holds users; use a fresh --data-dir")
        await seed_session(conn)
        now = datetime.now(UTC)
        pop = await seed_users(conn, plan, rnd, now)
        async with deferred_indexes(conn, "follows"):
            out.follows = await seed_follows(conn, plan, rnd, now, pop)
        async with deferred_indexes(conn, "posts"):
            await seed_posts(conn, plan, rnd, now, pop)
            await tag_posts(conn, rnd)
        out.posts = plan.posts
        await seed_counters(conn, out.follows, out.posts)
        targets = await pick_targets(conn)
        log("media, likes, comments")
        status = await conn.execute(MEDIA_SQL)
        out.media = int(status.split()[-1])
        if await conn.fetchval(
            "SELECT count(*) FROM information_schema.columns"
            " WHERE table_name = 'media' AND column_name = 'key_secret'"
        ):
            await conn.execute(KEY_SECRET_SQL)
        out.likes = await seed_likes(conn, pop, rnd)
        out.comments = await seed_comments(conn, pop, rnd, targets.username)
        await conn.execute(SHARDS_SQL)
        post_ids = [r["id"] for r in await conn.fetch("SELECT id FROM posts")]
        for i in range(0, len(post_ids), 1000):
            await counters.compact(conn, post_ids[i : i + 1000])
        status = await conn.execute(HASHTAGS_SQL)
        out.hashtags = int(status.split()[-1])
        targets.hashtag = await conn.fetchval(
            "SELECT name FROM hashtags ORDER BY post_count DESC, name LIMIT 1"
        )
        for table in ("users", "follows", "posts", "media", "likes", "comments", "hashtags"):
            await conn.execute(f"VACUUM (ANALYZE) {table}")
        await conn.execute("VACUUM (ANALYZE) post_counter_shards")
        await fill_feed_store(dsn, plan, info)
        out.feed_items = info.feed_items
        await conn.execute("VACUUM (ANALYZE) feed_items")
        await conn.execute("CHECKPOINT")
        viewer_ids = await pick_viewers(conn, plan, rnd)
        out.tokens = await issue_tokens(conn, viewer_ids)
        out.viewers = len(viewer_ids)
        out.viewers_mean_following = float(
            await conn.fetchval(
                "SELECT avg(following_count) FROM users WHERE id = ANY($1::bigint[])", viewer_ids
            )
        )
        out.celebrities = await conn.fetchval(
            "SELECT count(*) FROM users WHERE follower_count >= $1", plan.celebrity_followers
        )
        out.db_size_mb = await conn.fetchval("SELECT pg_database_size(current_database())") / 2**20
    finally:
        await conn.close()
    out.seconds = time.perf_counter() - start
    return out, targets


async def tag_posts(conn: asyncpg.Connection, rnd: random.Random) -> None:
    """Zero to three hashtags per post, a few tags far more used than others; the caption
    carries them as `#tag` like a client's would."""
    rows = await conn.fetch("SELECT id FROM posts")
    weights = [(rank + 2) ** -1.1 for rank in range(len(TAGS))]
    ids: list[int] = []
    tags: list[str] = []
    for row in rows:
        picked = sorted(set(rnd.choices(TAGS, weights=weights, k=rnd.choice((0, 1, 1, 2, 3)))))
        if picked:
            ids.append(row["id"])
            tags.append(",".join(picked))
    await conn.execute(
        """
        UPDATE posts p SET hashtags = string_to_array(t.tags, ','),
               caption = p.caption || ' #' || replace(t.tags, ',', ' #')
        FROM unnest($1::bigint[], $2::text[]) AS t (id, tags) WHERE p.id = t.id
        """,
        ids,
        tags,
    )


async def pick_targets(conn: asyncpg.Connection) -> Targets:
    """The profile read: the most followed account with a full grid (12 posts or more)."""
    username = await conn.fetchval(
        "SELECT username FROM users WHERE post_count >= 12 AND NOT is_private"
        " ORDER BY follower_count DESC, id LIMIT 1"
    )
    if username is None:
        raise SystemExit("no user has 12 posts: seed more users (--users)")
    return Targets(username=username)


async def _posts(conn: asyncpg.Connection) -> list[tuple[int, datetime]]:
    rows = await conn.fetch("SELECT id, created_at FROM posts ORDER BY id")
    return [(r["id"], r["created_at"]) for r in rows]


async def seed_likes(conn: asyncpg.Connection, pop: Population, rnd: random.Random) -> int:
    """Likes per post heavy-tailed (most posts a handful, a few hundreds), distinct likers."""
    cap = max(1, len(pop.ids) // 4)
    records: list[tuple[int, int, datetime]] = []
    total = 0
    for post_id, at in await _posts(conn):
        k = min(cap, int(2 * rnd.paretovariate(1.3)) - 1)
        for user_id in rnd.sample(pop.ids, k):
            records.append((post_id, user_id, at + timedelta(minutes=rnd.expovariate(1 / 240))))
        if len(records) >= 100_000:
            total += await _copy(conn, "likes", records, ["post_id", "user_id", "created_at"])
    return total + await _copy(conn, "likes", records, ["post_id", "user_id", "created_at"])


async def seed_comments(
    conn: asyncpg.Connection, pop: Population, rnd: random.Random, target_user: str
) -> int:
    """A few comments on most posts, TARGET_COMMENTS on the target user's newest post."""
    words = CAPTION_WORDS.split()
    columns = ["post_id", "author_id", "body", "created_at"]
    records: list[tuple[int, int, str, datetime]] = []

    def comment(post_id: int, at: datetime) -> tuple[int, int, str, datetime]:
        body = " ".join(rnd.choices(words, k=rnd.randint(1, 10)))
        return (post_id, rnd.choice(pop.ids), body, at + timedelta(minutes=rnd.uniform(1, 600)))

    for post_id, at in await _posts(conn):
        records.extend(comment(post_id, at) for _ in range(int(rnd.paretovariate(1.6)) - 1))
    target = await conn.fetchrow(
        "SELECT p.id, p.created_at FROM posts p JOIN users u ON u.id = p.author_id"
        " WHERE u.username = $1 ORDER BY p.id DESC LIMIT 1",
        target_user,
    )
    records.extend(comment(target["id"], target["created_at"]) for _ in range(TARGET_COMMENTS))
    return await _copy(conn, "comments", records, columns)


async def _copy(
    conn: asyncpg.Connection, table: str, records: list[Any], columns: list[str]
) -> int:
    n = len(records)
    if n:
        await conn.copy_records_to_table(table, records=records, columns=columns)
    records.clear()
    return n
