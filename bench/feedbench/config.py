"""What the benchmark sets up: seed sizes per scale, thresholds, the run's plan."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Seed sizes at --scale 1.
USERS = 20_000
EDGES = 2_000_000
POSTS = 200_000
# Feed-store rows per active user at seed time (bounded for time and disk; the product
# keeps feeds unbounded in PostgreSQL and the newest 800 in the Redis cache).
FEED_SEED_DEPTH = 200
VIEWERS = 200
VIEWER_MIN_FOLLOWING = 20  # viewers follow more than this many accounts

CELEBRITY_FOLLOWERS = 10_000  # the product default
FANOUT_FOLLOWERS = 10_000
FANOUT_THRESHOLD = FANOUT_FOLLOWERS + 1  # so the fan-out author is not a celebrity
ACTIVE_DAYS = 30
SEEDED_NAME = "^u[0-9]{7}$"  # usernames of seeded users (u0000001 ...)


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
