"""The synthetic social graph: users, power-law follows and posts, bulk-loaded."""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from .config import ACTIVE_DAYS, SEEDED_NAME, Plan
from .console import Progress

INACTIVE_SHARE = 0.10
POST_DAYS = 30

# In-degree weight of the account of popularity rank r: (r + ZIPF_OFFSET) ** -ZIPF_EXPONENT.
ZIPF_EXPONENT = 1.05
ZIPF_OFFSET = 5.0
# Out-degree: log-normal around the mean EDGES / USERS.
OUT_DEGREE_SIGMA = 1.0
# Posts per author: (rank + 10) ** -0.8 over an independent random ranking.
POST_EXPONENT = 0.8

# Same layout as the SQL snowflake_id(): ms since 2025-01-01 << 22 | 22-bit sequence.
SNOWFLAKE_EPOCH_MS = 1_735_689_600_000
SNOWFLAKE_SEQ_BITS = 22

CAPTION_WORDS = (
    "sunset coffee beach city night friends weekend hike lake morning dog cat food travel"
    " street light rain snow garden music book bike mountain river art home"
)


def snowflake(ms: int, seq: int) -> int:
    return ((ms - SNOWFLAKE_EPOCH_MS) << SNOWFLAKE_SEQ_BITS) | (seq % (1 << SNOWFLAKE_SEQ_BITS))


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
