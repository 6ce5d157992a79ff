"""The simulated community written into Snapfeed.

Accounts, follows, posts and media are bulk-loaded (as the media job and fan-out would
leave them: published, READY, in every follower's feed store); every like and comment of
the training days goes through Snapfeed's own storage and its ranking hook, in time order,
and the drain job's function folds them into the aggregates.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from feedbench.console import Progress, log
from feedbench.graph import snowflake
from feedbench.seed import issue_tokens
from readbench.seed import KEY_SECRET_SQL

from resolvers.deps import Deps
from resolvers.feed import signals
from storage import comments, likes

from .community import CAROUSEL, TOPICS, VIDEO, Community

CONCURRENCY = 8


@dataclass
class Loaded:
    user_ids: list[int]  # index: the simulated person
    post_ids: list[int]  # index: the simulated post
    tokens: dict[int, str]  # user id -> bearer token
    likes: int = 0
    comments: int = 0


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


_MEDIA = """
INSERT INTO media (owner_id, kind, status, content_type, byte_size, post_id, position,
                   width, height, blurhash, variants, created_at)
SELECT t.owner, CASE WHEN t.video THEN 'video' ELSE 'photo' END, 'ready',
       CASE WHEN t.video THEN 'video/mp4' ELSE 'image/jpeg' END, 2400000, t.post, g.pos,
       1080, 1350, 'LEHV6nWB2yk8pyo0adR*.7kCMdnj',
       (SELECT jsonb_agg(jsonb_build_object(
                   'size', s.size, 'key', 'media/x/' || lower(s.size) || '.webp',
                   'width', s.w, 'height', s.h, 'content_type', 'image/webp') ORDER BY s.w)
        FROM (VALUES ('THUMBNAIL', 150, 150), ('SMALL', 320, 400), ('FEED', 640, 800),
                     ('FULL', 1080, 1350)) AS s (size, w, h)),
       t.at
FROM unnest($1::bigint[], $2::bigint[], $3::int[], $4::bool[], $5::timestamptz[])
     AS t (post, owner, n, video, at)
CROSS JOIN LATERAL generate_series(0, t.n - 1) AS g (pos)
"""

# What fan-out leaves: each post in its author's feed and every follower's.
_FEEDS = """
INSERT INTO feed_items (user_id, post_id, author_id)
SELECT f.follower_id, p.id, p.author_id
FROM posts p JOIN follows f ON f.followee_id = p.author_id AND f.state = 'active'
UNION ALL
SELECT p.author_id, p.id, p.author_id FROM posts p
"""


async def load(deps: Deps, c: Community) -> Loaded:
    db = deps.db
    if await db.fetchval("SELECT count(*) FROM users"):
        raise SystemExit("the database already holds users; use a fresh --data-dir")
    n = c.params.users
    log(f"{n} accounts, {sum(len(f) for f in c.follows.values())} follows, {len(c.posts)} posts")
    records = await db.fetch(
        "INSERT INTO users (username, password_hash)"
        " SELECT 'sim' || lpad(g::text, 5, '0'), '!' FROM generate_series(1, $1) g"
        " RETURNING id, username",
        n,
    )
    user_ids = [0] * n
    for r in records:
        user_ids[int(r["username"][3:]) - 1] = r["id"]
    await db.copy_records_to_table(
        "follows",
        records=[
            (user_ids[u], user_ids[v], "active", _at(c.start_ms))
            for u, followees in c.follows.items()
            for v in followees
        ],
        columns=["follower_id", "followee_id", "state", "created_at"],
    )
    post_ids = [snowflake(p.at_ms, i) for i, p in enumerate(c.posts)]
    await db.copy_records_to_table(
        "posts",
        records=[
            (
                post_ids[p.index],
                user_ids[p.author],
                f"#{TOPICS[p.topic]}",
                [TOPICS[p.topic]],
                "published",
                _at(p.at_ms),
                _at(p.at_ms),
            )
            for p in c.posts
        ],
        columns=["id", "author_id", "caption", "hashtags", "status", "created_at", "published_at"],
    )
    await db.execute(
        _MEDIA,
        post_ids,
        [user_ids[p.author] for p in c.posts],
        [p.media for p in c.posts],
        [p.kind == VIDEO for p in c.posts],
        [_at(p.at_ms) for p in c.posts],
    )
    assert all(p.media > 1 for p in c.posts if p.kind == CAROUSEL)
    await db.execute(KEY_SECRET_SQL)
    await db.execute(
        """
        UPDATE users u SET
            follower_count = (SELECT count(*) FROM follows f WHERE f.followee_id = u.id),
            following_count = (SELECT count(*) FROM follows f WHERE f.follower_id = u.id),
            post_count = (SELECT count(*) FROM posts p WHERE p.author_id = u.id)
        """
    )
    await db.execute(_FEEDS)
    loaded = Loaded(user_ids, post_ids, await issue_tokens(db, user_ids))
    await _engage(deps, c, loaded)
    return loaded


async def _engage(deps: Deps, c: Community, loaded: Loaded) -> None:
    """Every like and comment through storage and the hook, CONCURRENCY at a time, then
    the drain."""
    bar = Progress("likes and comments", len(c.likes))
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(c.likes)):
        queue.put_nowait(i)

    async def worker() -> None:
        while not queue.empty():
            like = c.likes[queue.get_nowait()]
            user, post = loaded.user_ids[like.person], loaded.post_ids[like.post]
            if await likes.insert(deps.db, post, user):
                await signals.engaged(deps, user, post, likes=1)
                loaded.likes += 1
            if like.comment and await comments.insert(deps.db, post, user, "nice"):
                await signals.engaged(deps, user, post, comments=1)
                loaded.comments += 1
            bar.advance()

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    bar.close()
    folded = await signals.drain(deps)
    log(f"{loaded.likes} likes and {loaded.comments} comments; {folded} events folded")
