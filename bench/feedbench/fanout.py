"""Fan-out: `fanout_post` of one post to exactly FANOUT_FOLLOWERS active followers."""

from __future__ import annotations

import asyncio
import random
import secrets
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
from redis.asyncio import Redis

from resolvers.deps import Deps
from workers.fanout import fanout_post

from .config import ACTIVE_DAYS, FANOUT_FOLLOWERS, FANOUT_THRESHOLD
from .console import Progress
from .deps import round_trips, settings_as
from .meters import CpuMeter, cpu_split


@dataclass
class FanoutRun:
    variant: str
    post_id: int
    seconds: float
    followers_reached: int
    batches: int
    db_round_trips: int
    redis_round_trips: int
    redis_commands: int
    script_exists: int
    feed_rows: int
    cpu_ms: dict[str, float]


@dataclass
class FanoutSummary:
    variant: str
    followers: int
    runs: int
    median_s: float
    min_s: float
    max_s: float
    inserts_per_s: float
    batches: int
    db_round_trips: int
    redis_round_trips: int
    redis_commands: int
    script_exists: int
    feed_rows: int
    verified: bool
    cpu_ms: dict[str, float]


async def redis_command_stats(raw: Redis) -> dict[str, int]:
    """Calls per command the Valkey server has run so far (INFO commandstats).

    Commands run inside Lua scripts are counted too, so this is not a round-trip count.
    """
    stats = await raw.info("commandstats")
    return {k: int(v["calls"]) for k, v in stats.items() if isinstance(v, dict)}


def redis_delta(before: dict[str, int], after: dict[str, int]) -> tuple[int, int]:
    """(commands run, SCRIPT EXISTS calls) between two snapshots, minus the first INFO."""
    total = sum(after.values()) - sum(before.values()) - 1
    key = "cmdstat_script|exists"
    return total, after.get(key, 0) - before.get(key, 0)


async def create_author(db: asyncpg.Pool, name: str) -> int:
    author: int = await db.fetchval(
        "INSERT INTO users (username, password_hash) VALUES ($1, '!') RETURNING id", name
    )
    return author


async def add_followers(db: asyncpg.Pool, author: int, followers: Sequence[int]) -> None:
    """Follow rows plus exact counters, in one transaction (bulk SQL)."""
    async with db.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO follows (follower_id, followee_id, state)"
            " SELECT f, $2, 'active' FROM unnest($1::bigint[]) AS t (f)",
            list(followers),
            author,
        )
        await conn.execute(
            "UPDATE users SET following_count = following_count + 1 WHERE id = ANY($1::bigint[])",
            list(followers),
        )
        await conn.execute(
            "UPDATE users SET follower_count = follower_count + $2 WHERE id = $1",
            author,
            len(followers),
        )


async def publish(db: asyncpg.Pool, author: int, caption: str) -> int:
    """A published post as the media job leaves it (id from the SQL snowflake_id())."""
    async with db.acquire() as conn, conn.transaction():
        post_id: int = await conn.fetchval(
            "INSERT INTO posts (author_id, caption, status, published_at)"
            " VALUES ($1, $2, 'published', now()) RETURNING id",
            author,
            caption,
        )
        await conn.execute("UPDATE users SET post_count = post_count + 1 WHERE id = $1", author)
    return post_id


async def timed_fanout(
    deps: Deps, raw: Redis, cpu: CpuMeter, post_id: int, variant: str
) -> FanoutRun:
    """`fanout_post` of one post: wall time, round trips, Valkey commands, CPU, rows."""
    db0, redis0 = await round_trips(deps)
    stats0 = await redis_command_stats(raw)
    cpu0 = cpu.snapshot()
    start = time.perf_counter()
    result = await fanout_post({"deps": deps}, post_id)
    seconds = time.perf_counter() - start
    used = cpu_split(CpuMeter.delta(cpu0, cpu.snapshot()), api=None)
    db1, redis1 = await round_trips(deps)
    commands, script_exists = redis_delta(stats0, await redis_command_stats(raw))
    rows: int = await deps.db.fetchval(
        "SELECT count(*) FROM feed_items WHERE post_id = $1", post_id
    )
    return FanoutRun(
        variant=variant,
        post_id=post_id,
        seconds=seconds,
        followers_reached=int(result["followers_reached"]),
        batches=int(result["batches"]),
        db_round_trips=db1 - db0,
        redis_round_trips=redis1 - redis0,
        redis_commands=commands,
        script_exists=script_exists,
        feed_rows=rows,
        cpu_ms={k: 1000 * v for k, v in used.items() if k != "api"},
    )


async def bench_fanout(
    deps: Deps, raw: Redis, cpu: CpuMeter, rnd: random.Random, runs: int
) -> tuple[list[FanoutSummary], list[FanoutRun]]:
    """An author with exactly 10 000 active followers, under a threshold of 10 001."""
    candidates = [
        r["id"]
        for r in await deps.db.fetch(
            "SELECT id FROM users WHERE last_active_at >= now() - make_interval(days => $1)"
            " ORDER BY id",
            ACTIVE_DAYS - 1,
        )
    ]
    if len(candidates) < FANOUT_FOLLOWERS:  # small scales: add plain active users
        missing = FANOUT_FOLLOWERS - len(candidates)
        extra = await deps.db.fetch(
            "INSERT INTO users (username, password_hash)"
            " SELECT 'fan' || lpad(g::text, 6, '0'), '!' FROM generate_series(1, $1) g"
            " RETURNING id",
            missing,
        )
        candidates += [r["id"] for r in extra]
    author = await create_author(deps.db, f"fanout_{secrets.token_hex(4)}")
    followers = sorted(rnd.sample(candidates, FANOUT_FOLLOWERS))
    await add_followers(deps.db, author, followers)

    all_runs: list[FanoutRun] = []
    summaries: list[FanoutSummary] = []
    with settings_as(deps, celebrity_followers=FANOUT_THRESHOLD):
        for variant in ("follower caches not built", "all follower caches built"):
            if variant.startswith("all"):
                await build_caches(deps, followers)
            else:
                await deps.feed_cache.drop_feeds(followers)
            runs_here: list[FanoutRun] = []
            for i in range(runs):
                post_id = await publish(deps.db, author, f"fan-out {variant} #{i}")
                run = await timed_fanout(deps, raw, cpu, post_id, variant)
                runs_here.append(run)
            all_runs += runs_here
            summaries.append(summarize(variant, runs_here))
    return summaries, all_runs


def summarize(variant: str, runs: Sequence[FanoutRun]) -> FanoutSummary:
    """Times over the runs (median, min, max); counts of the last run; checks of all."""
    times = [r.seconds for r in runs]
    median = statistics.median(times)
    last = runs[-1]
    return FanoutSummary(
        variant=variant,
        followers=FANOUT_FOLLOWERS,
        runs=len(runs),
        median_s=median,
        min_s=min(times),
        max_s=max(times),
        inserts_per_s=last.followers_reached / median,
        batches=last.batches,
        db_round_trips=last.db_round_trips,
        redis_round_trips=last.redis_round_trips,
        redis_commands=last.redis_commands,
        script_exists=last.script_exists,
        feed_rows=min(r.feed_rows for r in runs),
        cpu_ms={k: statistics.median(r.cpu_ms[k] for r in runs) for k in last.cpu_ms},
        verified=all(
            r.followers_reached == FANOUT_FOLLOWERS and r.feed_rows == FANOUT_FOLLOWERS + 1
            for r in runs
        ),
    )


async def build_caches(deps: Deps, users: Sequence[int]) -> None:
    """Every follower's Redis feed cache built from its stored feed (as reading would)."""
    bar = Progress("follower caches", len(users))
    for start in range(0, len(users), 500):
        part = list(users[start : start + 500])
        rows = await deps.db.fetch(
            "SELECT user_id, array_agg(post_id ORDER BY post_id DESC) AS ids FROM feed_items"
            " WHERE user_id = ANY($1::bigint[]) GROUP BY user_id",
            part,
        )
        newest = {r["user_id"]: list(r["ids"]) for r in rows}
        await asyncio.gather(*(deps.feed_cache.store_feed(u, newest.get(u, [])) for u in part))
        bar.advance(len(part))
    bar.close()
