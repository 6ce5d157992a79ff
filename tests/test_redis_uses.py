"""The Redis uses outside the feed, engagement and live-update modules, on one node and on a
Redis Cluster (redis_kind): login counters over keys of several slots, token buckets,
explore snapshots, persisted queries and the engagement queue."""

from __future__ import annotations

import pytest

from resolvers.deps import Deps
from storage import documents, explore_snapshots, feed_signals, keys, ratelimit
from storage.feed_signals import Engagement
from storage.redis import by_slot

pytestmark = pytest.mark.usefixtures("redis_kind")


async def test_login_counters_count_each_key_whatever_its_slot(deps: Deps, redis_kind: str) -> None:
    counters = [
        keys.login_failures_by_user("alice"),
        keys.login_failures_by_ip("10.0.0.1"),
        keys.login_failures_by_ip_and_user("10.0.0.1", "alice"),
    ]
    assert len(by_slot(deps.redis, counters)) == (3 if redis_kind == "cluster" else 1)
    assert await ratelimit.hit(deps.redis, counters, 60) == [(1, 60)] * 3
    assert await ratelimit.hit(deps.redis, counters[:2], 60) == [(2, 60), (2, 60)]
    await ratelimit.take_back(deps.redis, counters)
    assert [int(await deps.redis.get(k)) for k in counters] == [1, 1, 0]
    ttls = [await deps.redis.ttl(k) for k in counters]
    assert all(0 < ttl <= 60 for ttl in ttls)


async def test_a_token_bucket_refuses_past_its_burst(deps: Deps) -> None:
    for _ in range(2):
        assert await ratelimit.take_token(deps.redis, "like", 7, capacity=2, per_second=0.01) == 0
    assert await ratelimit.take_token(deps.redis, "like", 7, capacity=2, per_second=0.01) > 0


async def test_explore_snapshots_are_stored_and_paged(deps: Deps) -> None:
    entries = [explore_snapshots.Entry(post_id=i, author_id=i % 3) for i in range(1, 6)]
    first = await explore_snapshots.store(
        deps.redis, entries, ttl_seconds=60, previous_ttl_seconds=60
    )
    second = await explore_snapshots.store(
        deps.redis, entries[:1], ttl_seconds=60, previous_ttl_seconds=60
    )
    assert second != first
    posts = [e.post_id for e in entries]
    assert await explore_snapshots.read_current(deps.redis, count=5) == (second, posts[:1])
    assert await explore_snapshots.read(deps.redis, first, start=3, count=5) == posts[3:]
    assert await explore_snapshots.read(deps.redis, second, start=0, count=5) == posts[:1]
    assert await explore_snapshots.read(deps.redis, second + 1, start=0, count=5) is None
    await deps.redis.delete(keys.explore_snapshot(second))
    assert await explore_snapshots.read_current(deps.redis, count=5) == (second, None)
    await deps.redis.delete(keys.EXPLORE_CURRENT)
    assert await explore_snapshots.read_current(deps.redis, count=5) is None


async def test_persisted_queries_are_remembered(deps: Deps) -> None:
    await documents.remember(deps.redis, "ab" * 32, "{ __typename }", 60)
    assert await documents.remembered(deps.redis, "ab" * 32, 60) == "{ __typename }"
    assert await documents.remembered(deps.redis, "cd" * 32, 60) is None


async def test_the_engagement_queue_marks_one_drain(deps: Deps) -> None:
    assert await feed_signals.queue(deps.redis, Engagement(1, 2, 1, 0)) is True
    assert await feed_signals.queue(deps.redis, Engagement(3, 4, 0, 1)) is False
    assert await feed_signals.take(deps.redis, 10) == [
        Engagement(1, 2, 1, 0),
        Engagement(3, 4, 0, 1),
    ]
    await feed_signals.drain_started(deps.redis)
    assert await feed_signals.queue(deps.redis, Engagement(5, 6, 1, 0)) is True
