"""Celebrity posts: `fanout_post` cost whatever the follower count, and time to visibility."""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass

import httpx
from redis.asyncio import Redis

from resolvers.deps import Deps
from schema import global_id

from .config import SEEDED_NAME
from .deps import settings_as
from .fanout import publish, timed_fanout
from .meters import CpuMeter
from .reads import auth_headers, read_feed
from .seed import issue_tokens
from .stack import ApiServer

VISIBILITY_BODY = json.dumps(
    {"query": "query { feed(first: 5) { edges { node { id } } } }"}
).encode()


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
    headers = auth_headers(token)
    start = time.perf_counter()
    while time.perf_counter() - start < limit_s:
        response = await client.post(f"{url}/graphql", content=VISIBILITY_BODY, headers=headers)
        edges = response.json()["data"]["feed"]["edges"]
        if edges and edges[0]["node"]["id"] == wanted:
            return time.perf_counter() - start
    raise RuntimeError(f"post {post_id} not visible after {limit_s}s")


async def poll_warm(client: httpx.AsyncClient, url: str, token: str) -> None:
    """A first read, so the reader's caches and the celebrity timelines are built."""
    headers = auth_headers(token)
    for _ in range(2):
        await read_feed(client, f"{url}/graphql", headers)


async def bench_celebrity(
    deps: Deps,
    raw: Redis,
    cpu: CpuMeter,
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
                run = await timed_fanout(deps, raw, cpu, post_id, label)
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
