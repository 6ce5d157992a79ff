"""Feed-id selection in this process: hybrid (feed store + cache + celebrity merge) against
the pull query, as the viewer's following count and the post volume grow.

The graph is built for the measurement: USERS accounts (at least ten times the largest
following count), CELEBRITIES of them followed by many (above the threshold, so hybrid
merges them at read), and one viewer per following count, who follows all the celebrities
and as many other accounts, picked at random. Posts are
added in stages (a denser history over the same POST_DAYS days) until each volume is
reached; after each stage the viewers' feed store holds what fan-out would have pushed
(every post of their non-celebrity followees, and their own).

Measured per point: `resolvers.feed.read.feed_ids(viewer, before=None, limit=21)`, the first
page's ids, with
- hybrid: Redis caches warm (the steady state of an active reader),
- hybrid, cold: Redis emptied before each call (feed cache, celebrity list and timelines
  rebuilt from PostgreSQL),
- pull: `posts.newest_from_all_followees` (PostgreSQL's buffers warm after a warm-up).
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
from feedbench.console import log
from feedbench.deps import round_trips, settings_as
from feedbench.graph import POST_DAYS, snowflake
from feedbench.meters import percentile
from feedbench.seed import seed_session
from feedbench.stack import INTERRUPT

from resolvers.deps import Deps
from resolvers.feed.read import feed_ids

FOLLOWEES = (100, 1000, 5000)
POSTS = (20_000, 100_000, 300_000)
CELEBRITIES = 10
CELEBRITY_FOLLOWERS = 1000  # the threshold of this run (each celebrity has ~all users)
# Everyone else: the viewers follow a small share of the user base, as on a real network
# (with most of it followed, the pull query finds a page among the newest posts at once).
USERS = 50_000
PAGE = 21  # first: 20, plus one to know whether there is a next page
STRATEGIES = ("hybrid", "hybrid, cold", "pull")


@dataclass
class Point:
    strategy: str
    followees: int
    posts: int
    calls: int
    p50_ms: float
    p95_ms: float
    mean_ms: float
    db_round_trips: float
    redis_round_trips: float


@dataclass
class Graph:
    user_ids: list[int]
    viewers: dict[int, int]  # following count -> viewer id
    post_weights: list[float]
    posts: int = 0


async def seed_graph(
    conn: asyncpg.Connection, followees: Sequence[int], users: int, rnd: random.Random
) -> Graph:
    if await conn.fetchval("SELECT count(*) FROM users"):
        raise SystemExit("the database already holds users; use a fresh --data-dir")
    await seed_session(conn)
    n = max(users, 10 * max(followees)) + CELEBRITIES + len(followees)
    await conn.execute(
        "INSERT INTO users (username, password_hash, last_active_at)"
        " SELECT 's' || lpad(i::text, 7, '0'), '!', now() - random() * interval '2 days'"
        " FROM generate_series(1, $1) AS i",
        n,
    )
    ids = [r["id"] for r in await conn.fetch("SELECT id FROM users ORDER BY username")]
    celebrities = ids[:CELEBRITIES]
    viewers = dict(zip(followees, ids[CELEBRITIES : CELEBRITIES + len(followees)], strict=True))
    others = ids[CELEBRITIES + len(followees) :]
    now = datetime.now(UTC)
    edges: list[tuple[int, int, str, datetime]] = []
    for user in others:  # each celebrity ends up with ~n/5 followers, far above the threshold
        edges.extend((user, c, "active", now) for c in rnd.sample(celebrities, 2))
    for count, viewer in viewers.items():
        picked = rnd.sample(others, count - CELEBRITIES) + celebrities
        edges.extend((viewer, f, "active", now) for f in picked)
    await conn.copy_records_to_table(
        "follows", records=edges, columns=["follower_id", "followee_id", "state", "created_at"]
    )
    await conn.execute(
        "UPDATE users u SET follower_count = f.n FROM"
        " (SELECT followee_id, count(*) AS n FROM follows GROUP BY 1) AS f"
        " WHERE u.id = f.followee_id"
    )
    for table in ("users", "follows"):
        await conn.execute(f"VACUUM (ANALYZE) {table}")
    # Posts per author: heavy-tailed over a random ranking; celebrities post the most.
    rank = list(range(len(ids)))
    rnd.shuffle(rank)
    weights = [(rank[i] + 10) ** -0.8 for i in range(len(ids))]
    for i in range(CELEBRITIES):
        weights[i] = 10**-0.8
    log(f"graph: {n:,} users, {len(edges):,} follows, viewers following {list(viewers)}")
    return Graph(ids, viewers, weights)


FEED_STORE_SQL = """
INSERT INTO feed_items (user_id, post_id, author_id)
SELECT f.follower_id, p.id, p.author_id
FROM follows f JOIN users a ON a.id = f.followee_id JOIN posts p ON p.author_id = f.followee_id
WHERE f.follower_id = ANY($1::bigint[]) AND f.state = 'active' AND a.follower_count < $2
UNION ALL
SELECT p.author_id, p.id, p.author_id FROM posts p WHERE p.author_id = ANY($1::bigint[])
ON CONFLICT DO NOTHING
"""


async def grow_posts(
    conn: asyncpg.Connection, graph: Graph, total: int, rnd: random.Random
) -> None:
    """Published posts up to `total`, spread over the past POST_DAYS days, then the viewers'
    feed store as fan-out would have left it."""
    add = total - graph.posts
    if add <= 0:
        return
    end_ms = int(time.time() * 1000) - 60_000
    start_ms = end_ms - POST_DAYS * 86_400_000
    authors = rnd.choices(graph.user_ids, weights=graph.post_weights, k=add)
    columns = ["id", "author_id", "caption", "status", "created_at", "published_at"]
    records: list[tuple[int, int, str, str, datetime, datetime]] = []
    for i, author in enumerate(authors):
        ms = rnd.randrange(start_ms, end_ms)
        at = datetime.fromtimestamp(ms / 1000, UTC)
        # The sequence part (unique across stages) keeps ids unique within a millisecond.
        records.append((snowflake(ms, graph.posts + i), author, "a post", "published", at, at))
        if len(records) >= 50_000 or i == add - 1:
            await conn.copy_records_to_table("posts", records=records, columns=columns)
            records = []
    graph.posts = total
    await conn.execute(FEED_STORE_SQL, list(graph.viewers.values()), CELEBRITY_FOLLOWERS)
    for table in ("posts", "feed_items"):
        await conn.execute(f"VACUUM (ANALYZE) {table}")
    await conn.execute("CHECKPOINT")


async def time_calls(
    deps: Deps,
    call: Callable[[], Awaitable[object]],
    n: int,
    before_each: Callable[[], Awaitable[object]] | None = None,
) -> tuple[list[float], float, float]:
    """Latencies (ms) of `n` calls, and the DB and Redis round trips per call."""
    latencies: list[float] = []
    db = redis = 0
    for _ in range(n):
        if before_each is not None:
            await before_each()
        db0, redis0 = await round_trips(deps)
        start = time.perf_counter()
        await call()
        latencies.append((time.perf_counter() - start) * 1000)
        db1, redis1 = await round_trips(deps)
        db, redis = db + db1 - db0, redis + redis1 - redis0
    return latencies, db / max(1, n), redis / max(1, n)


async def measure_point(
    deps: Deps, viewer: int, followees: int, posts: int, calls: int
) -> list[Point]:
    points: list[Point] = []
    for strategy in STRATEGIES:
        INTERRUPT.check()
        cold = strategy.endswith("cold")

        async def call() -> list[int]:
            return await feed_ids(deps, viewer, stale=False, before=None, limit=PAGE)

        async def empty_redis() -> None:
            await deps.redis.flushdb()

        with settings_as(deps, feed_strategy=strategy.split(",")[0]):
            await time_calls(deps, call, max(3, calls // 10))  # warm-up
            latencies, db, redis = await time_calls(
                deps, call, calls, before_each=empty_redis if cold else None
            )
        points.append(
            Point(
                strategy=strategy,
                followees=followees,
                posts=posts,
                calls=calls,
                p50_ms=percentile(latencies, 50),
                p95_ms=percentile(latencies, 95),
                mean_ms=sum(latencies) / len(latencies),
                db_round_trips=db,
                redis_round_trips=redis,
            )
        )
    return points


async def bench_selection(
    conn: asyncpg.Connection,
    deps: Deps,
    followees: Sequence[int],
    volumes: Sequence[int],
    users: int,
    calls: int,
    rnd: random.Random,
) -> list[Point]:
    graph = await seed_graph(conn, followees, users, rnd)
    points: list[Point] = []
    for total in sorted(volumes):
        log(f"posts: growing to {total:,}")
        await grow_posts(conn, graph, total, rnd)
        await deps.redis.flushdb()
        for count, viewer in graph.viewers.items():
            log(f"{total:,} posts, {count:,} followees")
            points += await measure_point(deps, viewer, count, total, calls)
    return points


def stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
