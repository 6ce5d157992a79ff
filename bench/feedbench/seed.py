"""Seeding the database: the graph, its counters and statistics, the feed store, viewers."""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import asyncpg

from resolvers.accounts import hash_token

from .config import ACTIVE_DAYS, VIEWER_MIN_FOLLOWING, Plan
from .console import Progress
from .graph import seed_follows, seed_posts, seed_users

SEEDED_TABLES = ("users", "follows", "posts", "feed_items")


@dataclass
class SeedInfo:
    users: int = 0
    active_users: int = 0
    follows: int = 0
    posts: int = 0
    feed_items: int = 0
    celebrities: int = 0
    top_follower_counts: list[int] = field(default_factory=list)
    median_followers: float = 0.0
    p90_followers: float = 0.0
    median_following: float = 0.0
    max_posts_per_author: int = 0
    median_posts_per_author: float = 0.0
    viewers: int = 0
    viewers_mean_following: float = 0.0
    viewers_following_a_celebrity: int = 0
    viewers_mean_feed_rows: float = 0.0
    db_size_mb: float = 0.0
    seconds: dict[str, float] = field(default_factory=dict)


@contextlib.asynccontextmanager
async def deferred_indexes(conn: asyncpg.Connection, table: str) -> AsyncIterator[None]:
    """Drop a table's plain indexes (not those of constraints) and recreate them verbatim."""
    rows = await conn.fetch(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = 'public' AND i.tablename = $1
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        """,
        table,
    )
    for row in rows:
        await conn.execute(f'DROP INDEX "{row["indexname"]}"')
    yield  # on failure the whole database is thrown away: nothing to restore
    for row in rows:
        await conn.execute(row["indexdef"])


async def seed_session(conn: asyncpg.Connection) -> None:
    """Session settings for bulk loading only (the benchmark's own sessions keep defaults).

    `session_replication_role = replica` skips the foreign-key triggers: every id loaded
    comes from the users table just read back, so integrity holds by construction. Should
    the schema ever get triggers of its own on these tables, they are left on.
    """
    await conn.execute("SET synchronous_commit = off")
    await conn.execute("SET maintenance_work_mem = '512MB'")
    await conn.execute("SET work_mem = '64MB'")
    own_triggers = await conn.fetchval(
        "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal"
        " AND tgrelid = ANY(SELECT to_regclass(t) FROM unnest($1::text[]) AS t)",
        list(SEEDED_TABLES),
    )
    if own_triggers == 0:
        await conn.execute("SET session_replication_role = replica")


async def seed(dsn: str, plan: Plan, rnd: random.Random, info: SeedInfo) -> list[int]:
    """Loads everything; returns the viewer ids."""
    conn: asyncpg.Connection = await asyncpg.connect(dsn)
    try:
        await seed_session(conn)
        now = datetime.now(UTC)
        t0 = time.perf_counter()
        pop = await seed_users(conn, plan, rnd, now)
        info.users, info.active_users = plan.users, sum(pop.active)
        info.seconds["users"] = (t1 := time.perf_counter()) - t0
        async with deferred_indexes(conn, "follows"):
            info.follows = await seed_follows(conn, plan, rnd, now, pop)
            info.seconds["follows"] = (t2 := time.perf_counter()) - t1
        info.seconds["follows_indexes"] = (t3 := time.perf_counter()) - t2
        async with deferred_indexes(conn, "posts"):
            await seed_posts(conn, plan, rnd, now, pop)
            info.posts = plan.posts
        info.seconds["posts"] = (t4 := time.perf_counter()) - t3
        await seed_counters(conn, info.follows, info.posts)
        for name in ("users", "follows", "posts"):
            await conn.execute(f"VACUUM (ANALYZE) {name}")
        info.seconds["counters_analyze"] = time.perf_counter() - t4
        await fill_feed_store(dsn, plan, info)
        t5 = time.perf_counter()
        await conn.execute("VACUUM (ANALYZE) feed_items")
        await conn.execute("CHECKPOINT")
        info.seconds["feed_items_analyze"] = time.perf_counter() - t5
        await graph_stats(conn, plan, info)
        return await pick_viewers(conn, plan, rnd)
    finally:
        await conn.close()


async def seed_counters(conn: asyncpg.Connection, follows: int, posts: int) -> None:
    """follower_count, following_count and post_count from the rows, then checked."""
    await conn.execute(
        """
        WITH fr AS (SELECT followee_id AS id, count(*) AS n FROM follows
                    WHERE state = 'active' GROUP BY 1),
             fg AS (SELECT follower_id AS id, count(*) AS n FROM follows
                    WHERE state = 'active' GROUP BY 1),
             pc AS (SELECT author_id AS id, count(*) AS n FROM posts
                    WHERE status = 'published' AND deleted_at IS NULL GROUP BY 1)
        UPDATE users u SET follower_count = coalesce(fr.n, 0),
                           following_count = coalesce(fg.n, 0),
                           post_count = coalesce(pc.n, 0)
        FROM users x
        LEFT JOIN fr ON fr.id = x.id LEFT JOIN fg ON fg.id = x.id LEFT JOIN pc ON pc.id = x.id
        WHERE u.id = x.id
        """
    )
    check = await conn.fetchrow(
        """
        SELECT (SELECT sum(follower_count) FROM users) AS followers,
               (SELECT sum(following_count) FROM users) AS following,
               (SELECT count(*) FROM follows) AS edges,
               (SELECT sum(post_count) FROM users) AS post_counts,
               (SELECT count(*) FROM posts) AS posts
        """
    )
    assert check["followers"] == check["following"] == check["edges"] == follows, dict(check)
    assert check["post_counts"] == check["posts"] == posts, dict(check)


async def graph_stats(conn: asyncpg.Connection, plan: Plan, info: SeedInfo) -> None:
    stats = await conn.fetchrow(
        """
        SELECT count(*) FILTER (WHERE follower_count >= $1) AS celebrities,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY follower_count) AS median_in,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY follower_count) AS p90_in,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY following_count) AS median_out,
               max(post_count) AS max_posts,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY post_count)
                   FILTER (WHERE post_count > 0) AS median_posts
        FROM users
        """,
        plan.celebrity_followers,
    )
    info.celebrities = stats["celebrities"]
    info.median_followers = float(stats["median_in"])
    info.p90_followers = float(stats["p90_in"])
    info.median_following = float(stats["median_out"])
    info.max_posts_per_author = stats["max_posts"]
    info.median_posts_per_author = float(stats["median_posts"] or 0)
    top = await conn.fetch("SELECT follower_count FROM users ORDER BY follower_count DESC LIMIT 12")
    info.top_follower_counts = [r["follower_count"] for r in top]


FEED_FILL_SQL = """
INSERT INTO feed_items (user_id, post_id, author_id)
SELECT u.id, p.id, p.author_id
FROM users u
CROSS JOIN LATERAL (
    SELECT p.id, p.author_id
    FROM (
        SELECT f.followee_id AS id FROM follows f JOIN users c ON c.id = f.followee_id
        WHERE f.follower_id = u.id AND f.state = 'active' AND c.follower_count < $3
        UNION ALL SELECT u.id
    ) a
    CROSS JOIN LATERAL (
        SELECT id, author_id FROM posts
        WHERE author_id = a.id AND status = 'published' AND deleted_at IS NULL
        ORDER BY id DESC LIMIT $4
    ) p
    ORDER BY p.id DESC LIMIT $4
) p
WHERE u.id >= $1 AND u.id < $2 AND u.last_active_at >= now() - make_interval(days => $5)
"""


async def fill_feed_store(dsn: str, plan: Plan, info: SeedInfo) -> None:
    """Each active user's newest posts of non-celebrity followees and their own.

    Inactive users get none: fan-out skipped them, and their next read rebuilds the feed.
    Chunks of users run on two connections (the machine has two cores).
    """
    admin: asyncpg.Connection = await asyncpg.connect(dsn)
    try:
        await seed_session(admin)
        low, high = await admin.fetchrow("SELECT min(id), max(id) + 1 FROM users")
        step = 250
        chunks = [(a, min(a + step, high)) for a in range(low, high, step)]
        bar = Progress("feed_items (users)", high - low)
        queue: asyncio.Queue[tuple[int, int]] = asyncio.Queue()
        for item in chunks:
            queue.put_nowait(item)
        inserted = 0

        async def worker() -> None:
            nonlocal inserted
            conn: asyncpg.Connection = await asyncpg.connect(dsn)
            try:
                await seed_session(conn)
                while not queue.empty():
                    a, b = queue.get_nowait()
                    status = await conn.execute(
                        FEED_FILL_SQL,
                        a,
                        b,
                        plan.celebrity_followers,
                        plan.feed_depth,
                        ACTIVE_DAYS,
                    )
                    inserted += int(status.split()[-1])
                    bar.advance(b - a)
            finally:
                await conn.close()

        async with deferred_indexes(admin, "feed_items"):
            await asyncio.gather(worker(), worker())
            t_idx = time.perf_counter()
        info.seconds["feed_items"] = bar.close()
        info.seconds["feed_items_indexes"] = time.perf_counter() - t_idx
        info.feed_items = inserted
    finally:
        await admin.close()


async def pick_viewers(conn: asyncpg.Connection, plan: Plan, rnd: random.Random) -> list[int]:
    """Active users following more than VIEWER_MIN_FOLLOWING accounts, picked at random."""
    candidates = [
        r["id"]
        for r in await conn.fetch(
            "SELECT id FROM users WHERE following_count > $1"
            " AND last_active_at >= now() - make_interval(days => $2) ORDER BY id",
            VIEWER_MIN_FOLLOWING,
            ACTIVE_DAYS,
        )
    ]
    viewers = sorted(rnd.sample(candidates, min(plan.viewers, len(candidates))))
    # Seen within the last half hour: token checks do not write during the benchmark
    # (the product touches last_active_at at most once an hour).
    await conn.execute(
        "UPDATE users SET last_active_at = now() - random() * interval '30 minutes'"
        " WHERE id = ANY($1::bigint[])",
        viewers,
    )
    return viewers


async def issue_tokens(db: asyncpg.Pool, user_ids: Sequence[int]) -> dict[int, str]:
    """Bearer tokens made directly in SQL: random string, its SHA-256 stored, 1 day."""
    tokens = {u: secrets.token_urlsafe(32) for u in user_ids}
    await db.execute(
        "INSERT INTO auth_tokens (token_hash, user_id, expires_at)"
        " SELECT h, u, now() + interval '1 day' FROM unnest($1::bytea[], $2::bigint[]) AS t (h, u)",
        [hash_token(t) for t in tokens.values()],
        list(tokens),
    )
    return tokens


async def viewer_stats(
    db: asyncpg.Pool, viewers: Sequence[int], plan: Plan, info: SeedInfo
) -> None:
    row = await db.fetchrow(
        """
        SELECT avg(u.following_count) AS following,
               count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM follows f JOIN users c ON c.id = f.followee_id
                   WHERE f.follower_id = u.id AND c.follower_count >= $2)) AS with_celebrity,
               avg((SELECT count(*) FROM feed_items i WHERE i.user_id = u.id)) AS feed_rows
        FROM users u WHERE u.id = ANY($1::bigint[])
        """,
        list(viewers),
        plan.celebrity_followers,
    )
    info.viewers = len(viewers)
    info.viewers_mean_following = float(row["following"])
    info.viewers_following_a_celebrity = row["with_celebrity"]
    info.viewers_mean_feed_rows = float(row["feed_rows"])
