"""The feed read merges a page in Valkey when everything it needs is cached, and only then:
the same page `resolvers.feed.merge.merge_newest` makes of the cache and the timelines."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from resolvers.deps import Deps
from resolvers.feed.merge import below, merge_newest
from storage.feed_cache import FEED_CACHE_SIZE, TIMELINE_SIZE

pytestmark = pytest.mark.usefixtures("redis_kind")

BASE = 7_000_000_000_000_000  # post ids as large as real ones
VIEWER = 41
ADA, BOB = 51, 52


def ids(count: int, *, step: int, offset: int = 0) -> list[int]:
    """`count` ids, newest first."""
    return [BASE + offset + step * i for i in range(count, 0, -1)]


@dataclass(frozen=True)
class State:
    own: list[int] | None  # the viewer's cache (None: not built)
    celebrities: list[int] | None  # the cached celebrity list (None: not cached)
    timelines: dict[int, list[int]] = field(default_factory=dict)  # built ones
    before: int | None = None
    limit: int = 10


MANY_OWN = ids(30, step=3)
MANY_ADA = ids(30, step=5, offset=1)
MANY_BOB = [*ids(30, step=7, offset=2), MANY_OWN[4]]  # one post in both (fanned out before)
DEEP_ADA = ids(TIMELINE_SIZE + 10, step=5, offset=1)  # kept: its newest TIMELINE_SIZE
DEEP_OWN = ids(FEED_CACHE_SIZE + 100, step=3)  # kept: its newest FEED_CACHE_SIZE

CASES = {
    # name: (state, merged in Valkey on a single node)
    "everything cached": (State(MANY_OWN, [ADA, BOB], {ADA: MANY_ADA, BOB: MANY_BOB}), True),
    "short but whole": (
        State(ids(4, step=3), [ADA, BOB], {ADA: ids(3, step=5, offset=1), BOB: []}),
        True,
    ),
    "below a bound": (
        State(MANY_OWN, [ADA, BOB], {ADA: MANY_ADA, BOB: MANY_BOB}, before=MANY_OWN[12]),
        True,
    ),
    "posts in the cache and a timeline": (State(MANY_OWN, [BOB], {BOB: MANY_OWN[2:9]}), True),
    "no celebrities": (State(MANY_OWN, []), True),
    "a long page": (State(MANY_OWN, [ADA], {ADA: MANY_ADA}, limit=45), True),
    "celebrity list not cached": (State(MANY_OWN, None), False),
    "a timeline not built": (State(MANY_OWN, [ADA, BOB], {ADA: MANY_ADA}), False),
    "cache not built": (State(None, [ADA], {ADA: MANY_ADA}), False),
    "past a timeline's window": (
        State(MANY_OWN, [ADA], {ADA: DEEP_ADA}, before=DEEP_ADA[TIMELINE_SIZE - 5]),
        False,
    ),
    "past the cache's window": (
        State(DEEP_OWN, [], before=DEEP_OWN[FEED_CACHE_SIZE - 5]),
        False,
    ),
}


async def _store(deps: Deps, state: State) -> None:
    cache = deps.feed_cache
    if state.own is not None:
        await cache.store_feed(VIEWER, state.own)
    if state.celebrities is not None:
        await cache.set_celebrities(VIEWER, state.celebrities, 300)
    if state.timelines:
        await cache.store_timelines(state.timelines)


@pytest.mark.parametrize(("state", "merged_here"), CASES.values(), ids=CASES.keys())
async def test_a_page_is_merged_in_valkey_only_when_everything_is_cached(
    deps: Deps, redis_kind: str, state: State, merged_here: bool
) -> None:
    await _store(deps, state)
    read = await deps.feed_cache.read_feed_and_celebrities(
        VIEWER, before=state.before, limit=state.limit
    )
    own = below((state.own or [])[:FEED_CACHE_SIZE], state.before, state.limit)
    timelines = {
        a: below(t[:TIMELINE_SIZE], state.before, state.limit) for a, t in state.timelines.items()
    }
    assert read.celebrities == state.celebrities
    # A cluster keeps the timelines on other slots: the script never reads them there.
    assert read.merged is (merged_here and redis_kind == "single")
    if read.merged:
        assert read.timelines is None
        assert read.cached.ids == merge_newest([own, *timelines.values()], state.limit)
        assert len(read.cached.ids) == min(
            state.limit, len(set(own).union(*map(set, timelines.values())))
        )
        return
    assert read.cached.built is (state.own is not None)
    assert read.cached.ids == own
    if read.timelines is not None:
        assert redis_kind == "single" and state.celebrities is not None
        assert {a: t.ids for a, t in read.timelines.items() if t.built} == timelines
        assert {a for a, t in read.timelines.items() if not t.built} == (
            set(state.celebrities) - set(state.timelines)
        )
