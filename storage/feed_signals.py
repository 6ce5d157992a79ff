"""Aggregates the ranked feed reads, kept up to date as likes and comments happen.

- `feed_affinity` (PostgreSQL): per viewer and author, the viewer's likes and comments on
  that author's posts.
- `feed_kind_likes` (PostgreSQL): per viewer, likes on photos, videos and carousels.
- Followee engagement (Redis, keys.followee_engagement): per viewer and day, how many
  people the viewer follows liked or commented on each post. A like is pushed to the
  liker's active followers, like a post is fanned out to them.

A like or comment only queues an event (one Redis round trip); a worker job folds events
into all three in batches (workers/engagement.py). Counts may briefly lag; they never scan
anyone's history at read time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from redis.asyncio import Redis

from storage import keys
from storage.types import Executor

DAY_MS = 86_400_000
COMMENT_WEIGHT = 2  # as in the ranker's engagement and affinity
# Posts kept per viewer and day of engagement (the most engaged with).
DAY_CAP = 300
# A marker older than this no longer stops a like from queueing a drain job (a job that
# died); the periodic drain covers the gap meanwhile.
DRAIN_MARKER_SECONDS = 60


def kind_sql(post: str) -> str:
    """The kind of the post whose id is the SQL expression `post`: 0 photo, 1 video (a single
    video), 2 carousel (several media). An index-only scan (media_post_kind_idx)."""
    return (
        "(SELECT CASE WHEN max(m.position) > 0 THEN 2 WHEN bool_or(m.kind = 'video') THEN 1"
        f" ELSE 0 END FROM media m WHERE m.post_id = {post})"
    )


@dataclass(frozen=True, slots=True)
class Engagement:
    """A change to one user's engagement with one post: +1/-1 likes, +1/-1 comments."""

    user_id: int
    post_id: int
    likes: int = 0
    comments: int = 0

    def encode(self) -> bytes:
        return f"{self.user_id}:{self.post_id}:{self.likes}:{self.comments}".encode()

    @classmethod
    def decode(cls, raw: bytes) -> Engagement:
        user_id, post_id, likes, comments = (int(v) for v in raw.split(b":"))
        return cls(user_id, post_id, likes, comments)


async def queue(redis: Redis, event: Engagement) -> bool:
    """Queue an event; True when no drain job is known to be queued (the caller queues one)."""
    pipe = redis.pipeline(transaction=False)
    pipe.rpush(keys.ENGAGEMENT_EVENTS, event.encode())
    pipe.set(keys.ENGAGEMENT_DRAIN_QUEUED, 1, nx=True, ex=DRAIN_MARKER_SECONDS)
    _, marked = await pipe.execute()
    return bool(marked)


async def drain_started(redis: Redis) -> None:
    """A drain job runs: events queued from now on need a new one."""
    await redis.delete(keys.ENGAGEMENT_DRAIN_QUEUED)


async def take(redis: Redis, limit: int) -> list[Engagement]:
    """Up to `limit` of the oldest queued events, removed from the queue."""
    raw = await redis.lpop(keys.ENGAGEMENT_EVENTS, limit)  # type: ignore[misc]
    return [Engagement.decode(r) for r in raw or ()]


_FOLD = f"""
WITH everything AS (
    SELECT e.user_id, p.author_id, e.post_id, e.likes, e.comments
    FROM unnest($1::bigint[], $2::bigint[], $3::int[], $4::int[])
         AS e (user_id, post_id, likes, comments)
    JOIN posts p ON p.id = e.post_id
), post_engagement AS (
    INSERT INTO feed_post_engagement AS pe (post_id, engagement)
    SELECT post_id, sum(likes + {COMMENT_WEIGHT} * comments) FROM everything GROUP BY post_id
    ON CONFLICT (post_id) DO UPDATE SET engagement = pe.engagement + EXCLUDED.engagement
), ev AS (
    SELECT * FROM everything WHERE author_id <> user_id
), affinity AS (
    INSERT INTO feed_affinity AS f (viewer_id, author_id, likes, comments)
    SELECT user_id, author_id, sum(likes), sum(comments) FROM ev GROUP BY user_id, author_id
    ON CONFLICT (viewer_id, author_id) DO UPDATE
    SET likes = f.likes + EXCLUDED.likes, comments = f.comments + EXCLUDED.comments
), kinds AS (
    SELECT ev.user_id, {kind_sql("ev.post_id")} AS kind, ev.likes FROM ev WHERE ev.likes <> 0
)
INSERT INTO feed_kind_likes AS k (viewer_id, photo, video, carousel)
SELECT user_id,
       coalesce(sum(likes) FILTER (WHERE kind = 0), 0),
       coalesce(sum(likes) FILTER (WHERE kind = 1), 0),
       coalesce(sum(likes) FILTER (WHERE kind = 2), 0)
FROM kinds GROUP BY user_id
ON CONFLICT (viewer_id) DO UPDATE
SET photo = k.photo + EXCLUDED.photo, video = k.video + EXCLUDED.video,
    carousel = k.carousel + EXCLUDED.carousel
"""


async def fold(db: Executor, events: Sequence[Engagement]) -> None:
    """Add events to the posts' engagement, the viewers' author affinities and kind counts
    (one statement). Likes and comments on one's own posts count for neither of the last
    two."""
    if events:
        await db.execute(
            _FOLD,
            [e.user_id for e in events],
            [e.post_id for e in events],
            [e.likes for e in events],
            [e.comments for e in events],
        )


# Followers who get an engager's likes and comments: active ones (as for fan-out), unless
# the engager is a celebrity (their likes would be one write per follower), and never the
# post's own author.
_FOLLOWER_PAIRS = """
WITH ev AS (
    SELECT e.user_id, e.post_id, sum(e.delta) AS delta
    FROM unnest($1::bigint[], $2::bigint[], $3::int[]) AS e (user_id, post_id, delta)
    GROUP BY 1, 2
)
SELECT f.follower_id, ev.post_id, sum(ev.delta)::int AS delta
FROM ev
JOIN users liker ON liker.id = ev.user_id AND liker.follower_count < $4
JOIN follows f ON f.followee_id = ev.user_id AND f.state = 'active'
JOIN users fu ON fu.id = f.follower_id AND fu.last_active_at >= $5
JOIN posts p ON p.id = ev.post_id AND p.author_id <> f.follower_id
GROUP BY f.follower_id, ev.post_id
HAVING sum(ev.delta) <> 0
"""


async def follower_pairs(
    db: Executor,
    events: Sequence[Engagement],
    *,
    celebrity_followers: int,
    active_since: datetime,
) -> list[tuple[int, int, int]]:
    """(follower, post, change) for every active follower of each event's user."""
    records = await db.fetch(
        _FOLLOWER_PAIRS,
        [e.user_id for e in events],
        [e.post_id for e in events],
        [e.likes + e.comments for e in events],
        celebrity_followers,
        active_since,
    )
    return [(r["follower_id"], r["post_id"], r["delta"]) for r in records]


def member(post_id: int) -> str:
    return str(post_id).zfill(20)


async def add_followee_engagement(
    redis: Redis, pairs: Sequence[tuple[int, int, int]], *, now_ms: int, window_days: int
) -> None:
    """Count each (follower, post, change) in the follower's set of the day."""
    if not pairs:
        return
    day = now_ms // DAY_MS
    ttl = (window_days + 1) * 86_400
    touched: set[str] = set()
    pipe = redis.pipeline(transaction=False)
    for follower_id, post_id, delta in pairs:
        key = keys.followee_engagement(follower_id, day)
        pipe.zincrby(key, delta, member(post_id))
        touched.add(key)
    for key in touched:
        pipe.zremrangebyscore(key, 0, 0)  # a like and its unlike
        pipe.zremrangebyrank(key, 0, -(DAY_CAP + 1))  # the least engaged beyond the cap
        pipe.expire(key, ttl)
    await pipe.execute()


def followee_engagement_keys(user_id: int, *, now_ms: int, window_days: int) -> list[str]:
    """The viewer's day sets that may count for posts of the last `window_days` days."""
    today = now_ms // DAY_MS
    return [keys.followee_engagement(user_id, d) for d in range(today - window_days, today + 1)]
