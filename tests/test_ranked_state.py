"""The ranked feed's one-call read of a viewer's Redis state (storage/ranked_feed.py)."""

from __future__ import annotations

import pytest

from resolvers.deps import Deps
from storage import feed_signals, keys, ranked_feed
from storage.snowflake import first_id_at

pytestmark = pytest.mark.usefixtures("redis_kind")

DAY_MS = 86_400_000
NOW_MS = 1_800_000_000_000


async def test_followee_engagement_is_summed_over_days_from_the_oldest_post_on(
    deps: Deps,
) -> None:
    viewer = 42
    min_id = first_id_at(NOW_MS - 7 * DAY_MS)
    old, new, newer, undone = min_id - 1, min_id, min_id + 10**12, min_id + 10**13
    today = NOW_MS // DAY_MS
    for day, counts in ((today, {new: 2, newer: 1, old: 5, undone: -1}), (today - 1, {new: 3})):
        key = keys.followee_engagement(viewer, day)
        for post, n in counts.items():
            await deps.redis.zincrby(key, n, feed_signals.member(post))
    await deps.redis.zadd(keys.ranked_seen(viewer), {feed_signals.member(newer): NOW_MS})
    await deps.redis.set(keys.suggested_users(viewer), "7,8")
    read, state = await ranked_feed.read_state(
        deps.redis,
        deps.feed_cache,
        viewer,
        now_ms=NOW_MS,
        window_days=7,
        min_id=min_id,
        feed_limit=10,
    )
    # An id one below the window's first is out; a net-negative count is no signal.
    assert state.followee_engagement == {new: 5, newer: 1}
    assert state.seen == {newer}
    assert state.suggested == [7, 8]
    assert state.sessions == []
    assert not read.cached.built and read.cached.ids == [] and read.celebrities is None
