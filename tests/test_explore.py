"""Explore over HTTP: ranking, exclusions, snapshots, cursors and their expiry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from resolvers.deps import Deps
from resolvers.explore import EMPTY_SNAPSHOT_TTL_SECONDS, MIN_CHUNK
from storage import jobs, keys
from tests.client import GraphQLClient
from tests.discovery import Discovery, hours_ago
from tests.round_trips import RoundTripMeter

RunJobs = Callable[[], Awaitable[int]]

EXPLORE = """query($first: Int, $after: String) { explore(first: $first, after: $after) {
  edges { cursor node { id caption author { username } media { url } } }
  pageInfo { hasNextPage endCursor }
} }"""


@pytest.fixture
def d(gql: GraphQLClient, deps: Deps) -> Discovery:
    return Discovery(gql, deps)


@pytest.fixture
def now(deps: Deps, monkeypatch: pytest.MonkeyPatch) -> datetime:
    """The domain's clock, frozen: post ages are exactly what each test sets."""
    frozen = datetime.now(UTC)
    monkeypatch.setattr(deps, "clock", lambda: frozen)
    return frozen


async def explore(
    d: Discovery, viewer: str | None, first: int = 50, after: str | None = None
) -> dict[str, Any]:
    token = d.tokens[viewer] if viewer else None
    result = await d.gql(EXPLORE, {"first": first, "after": after}, token=token)
    page: dict[str, Any] = result.ok()["explore"]
    return page


def captions(page: dict[str, Any]) -> list[str]:
    return [e["node"]["caption"] for e in page["edges"]]


async def current_version(deps: Deps) -> int:
    value = await deps.redis.get(keys.EXPLORE_CURRENT)
    assert value is not None
    return int(value)


async def test_explore_ranks_by_engagement_with_time_decay(
    d: Discovery, now: datetime, run_jobs: RunJobs, monkeypatch: pytest.MonkeyPatch
) -> None:
    await d.user("reader")
    await d.user("maker")
    # score = (likes + 2 * comments) / (age in hours + 2) ^ 1.5
    for caption, age, likes, comments in [
        ("old hit", 48, 100, 0),  # 100 / 50^1.5 = 0.283
        ("fresh", 1, 3, 0),  # 3 / 3^1.5 = 0.577
        ("talked about", 5, 0, 5),  # 10 / 7^1.5 = 0.540
        ("quiet", 0, 0, 0),  # 0
        ("steady", 10, 10, 2),  # 14 / 12^1.5 = 0.337
    ]:
        post_id = await d.post("maker", caption, created_at=hours_ago(now, age))
        await d.engage(post_id, likes=likes, comments=comments)
    expected = ["fresh", "talked about", "steady", "old hit", "quiet"]
    # No snapshot yet: the first request ranks and stores one.
    assert await d.deps.redis.get(keys.EXPLORE_CURRENT) is None
    assert captions(await explore(d, "reader")) == expected
    assert captions(await explore(d, None)) == expected  # anonymous viewers may explore

    # Two days on, the decay has eaten the fresh posts' lead: the old hit's likes win.
    later = now + timedelta(days=2)
    monkeypatch.setattr(d.deps, "clock", lambda: later)
    await jobs.enqueue(d.deps.jobs, jobs.REFRESH_EXPLORE)
    assert await run_jobs() == 1
    assert captions(await explore(d, "reader"))[0] == "old hit"


async def test_explore_leaves_out_private_own_followed_old_and_hidden_posts(
    d: Discovery, now: datetime
) -> None:
    for name in ("reader", "stranger", "friend"):
        await d.user(name)
    await d.user("secret", private=True)
    assert await d.follow("reader", "friend") == "FOLLOWING"
    assert await d.follow("reader", "secret") == "REQUESTED"
    for author, caption, likes, age in [
        ("stranger", "stranger new", 1, 1),
        ("friend", "friend hit", 50, 1),  # in the reader's feed already
        ("reader", "own hit", 40, 1),
        ("secret", "secret hit", 90, 1),
        ("stranger", "too old", 150, 8 * 24),  # older than the seven-day window
        ("stranger", "deleted hit", 80, 1),
    ]:
        post_id = await d.post(author, caption, created_at=hours_ago(now, age))
        await d.engage(post_id, likes=likes)
        if caption == "deleted hit":
            await d.delete("stranger", post_id)
    processing = await d.processing_post("stranger", "still processing")
    await d.engage(processing, likes=120)

    assert captions(await explore(d, "reader")) == ["stranger new"]
    assert captions(await explore(d, None)) == ["friend hit", "own hit", "stranger new"]
    assert captions(await explore(d, "friend")) == ["own hit", "stranger new"]
    # The private author's own explore does not show it either: explore is public content.
    assert captions(await explore(d, "secret")) == ["friend hit", "own hit", "stranger new"]


async def test_visibility_is_rechecked_at_read_and_pages_stay_full(
    d: Discovery, now: datetime
) -> None:
    for name in ("reader", "alpha", "beta"):
        await d.user(name)
    for author, caption, likes in [
        ("alpha", "a1", 60),
        ("beta", "b1", 50),
        ("alpha", "a2", 40),
        ("beta", "b2", 30),
        ("alpha", "a3", 20),
        ("alpha", "a4", 10),
    ]:
        post_id = await d.post(author, caption, created_at=hours_ago(now, 1))
        await d.engage(post_id, likes=likes)
    assert captions(await explore(d, "reader", first=2)) == ["a1", "b1"]
    version = await current_version(d.deps)

    # After the snapshot was taken: a1 is deleted and beta goes private.
    [a1] = [i for i, c in d.captions.items() if c == "a1"]
    await d.delete("alpha", a1)
    await d.go_private("beta")
    page = await explore(d, "reader", first=2)
    assert captions(page) == ["a2", "a3"] and page["pageInfo"]["hasNextPage"]
    rest = await explore(d, "reader", first=2, after=page["pageInfo"]["endCursor"])
    assert captions(rest) == ["a4"] and not rest["pageInfo"]["hasNextPage"]
    assert await current_version(d.deps) == version  # the same snapshot, filtered at read


async def test_a_page_filled_at_a_chunks_end_looks_into_the_next_chunk(
    d: Discovery, now: datetime
) -> None:
    """Snapshot entries are read in chunks (MIN_CHUNK for small pages); what the viewer
    may not get is skipped by the statement reading the page's cards, chunk after chunk."""
    for name in ("reader", "known", "stranger"):
        await d.user(name)
    await d.follow("reader", "known")  # followed: in the reader's home feed, not explore
    # Ranked newest first (no engagement): 48 known, s2, s1 | 2 known, s0 (| a chunk's end).
    for i in range(MIN_CHUNK - 2):
        await d.post("known", f"k{i}", created_at=hours_ago(now, 5))
    await d.post("stranger", "s2", created_at=hours_ago(now, 6))
    await d.post("stranger", "s1", created_at=hours_ago(now, 7))
    for i in range(2):
        await d.post("known", f"late{i}", created_at=hours_ago(now, 8))
    await d.post("stranger", "s0", created_at=hours_ago(now, 9))
    page = await explore(d, "reader", first=2)
    assert captions(page) == ["s2", "s1"] and page["pageInfo"]["hasNextPage"]
    rest = await explore(d, "reader", first=2, after=page["pageInfo"]["endCursor"])
    assert captions(rest) == ["s0"] and not rest["pageInfo"]["hasNextPage"]


async def test_paging_keeps_its_snapshot_across_a_refresh(
    d: Discovery, now: datetime, run_jobs: RunJobs
) -> None:
    await d.user("reader")
    await d.user("maker")
    ids = []
    for i, likes in enumerate([60, 50, 40, 30, 20, 10]):
        ids.append(await d.post("maker", f"p{i}", created_at=hours_ago(now, 1)))
        await d.engage(ids[-1], likes=likes)
    first_page = await explore(d, "reader", first=2)
    assert captions(first_page) == ["p0", "p1"]
    before = await current_version(d.deps)

    # Between two pages: p5 takes off, a new post arrives, and the job re-ranks.
    await d.engage(ids[5], likes=100)
    await d.engage(await d.post("maker", "newcomer"), likes=200)
    await jobs.enqueue(d.deps.jobs, jobs.REFRESH_EXPLORE)
    assert await run_jobs() == 1
    assert await current_version(d.deps) != before

    pages = [first_page]
    while pages[-1]["pageInfo"]["hasNextPage"]:
        after = pages[-1]["pageInfo"]["endCursor"]
        pages.append(await explore(d, "reader", first=2, after=after))
    seen = [c for page in pages for c in captions(page)]
    assert seen == ["p0", "p1", "p2", "p3", "p4", "p5"]  # no repeat, no gap, no newcomer
    # A new visit starts on the new snapshot.
    assert captions(await explore(d, "reader", first=3)) == ["newcomer", "p5", "p0"]


async def test_an_expired_snapshot_cursor_is_bad_input(d: Discovery, now: datetime) -> None:
    await d.user("reader")
    await d.user("maker")
    for i in range(3):
        await d.engage(await d.post("maker", f"p{i}"), likes=3 - i)
    page = await explore(d, "reader", first=1)
    version = await current_version(d.deps)
    ttl = await d.deps.redis.ttl(keys.explore_snapshot(version))
    assert 0 < ttl <= 30 * 60

    await d.deps.redis.delete(keys.explore_snapshot(version))  # what its TTL does
    result = await d.gql(
        EXPLORE, {"first": 1, "after": page["pageInfo"]["endCursor"]}, token=d.tokens["reader"]
    )
    assert result.codes == ["BAD_USER_INPUT"]
    assert "expired" in result.errors[0]["message"]
    assert result.errors[0]["extensions"]["field"] == "after"
    # Starting over works: the stale pointer is noticed and a new snapshot is ranked.
    assert captions(await explore(d, "reader")) == ["p0", "p1", "p2"]
    assert await current_version(d.deps) != version


async def test_an_empty_ranking_is_kept_briefly_and_the_first_posts_show_soon(
    d: Discovery, now: datetime, run_jobs: RunJobs
) -> None:
    await d.user("reader")
    await d.user("maker")
    # A new instance: the worker's first refresh finds nothing to rank.
    await jobs.enqueue(d.deps.jobs, jobs.REFRESH_EXPLORE)
    assert await run_jobs() == 1
    empty = await current_version(d.deps)
    assert 0 < await d.deps.redis.ttl(keys.explore_snapshot(empty)) <= EMPTY_SNAPSHOT_TTL_SECONDS
    assert captions(await explore(d, "reader")) == []

    await d.post("maker", "first post", created_at=hours_ago(now, 1))
    await d.deps.redis.delete(keys.explore_snapshot(empty))  # what its TTL does, in seconds
    assert captions(await explore(d, "reader")) == ["first post"]
    ranked = await current_version(d.deps)
    assert ranked != empty
    assert await d.deps.redis.ttl(keys.explore_snapshot(ranked)) > EMPTY_SNAPSHOT_TTL_SECONDS


async def test_explore_rejects_bad_cursors_and_page_sizes(d: Discovery) -> None:
    await d.user("reader")
    for variables in (
        {"first": 51},
        {"first": -1},
        {"after": "not-a-cursor"},
        {"after": "WyJoYXNodGFnIiwxXQ"},  # a hashtag cursor: ["hashtag", 1]
        {"after": "WyJleHBsb3JlIiwxLC01XQ"},  # ["explore", 1, -5]
    ):
        result = await d.gql(EXPLORE, variables, token=d.tokens["reader"])
        assert result.codes == ["BAD_USER_INPUT"], variables
    assert captions(await explore(d, "reader", first=0)) == []


@pytest.mark.parametrize("posts", [2, 12])
async def test_an_explore_page_costs_the_same_for_any_size(
    d: Discovery, now: datetime, round_trips: RoundTripMeter, posts: int
) -> None:
    await d.user("reader")
    await d.user("friend")
    await d.follow("reader", "friend")
    for i in range(posts):
        await d.user(f"maker{i}")
        await d.post(f"maker{i}", f"p{i}")
    await explore(d, "reader")  # ranks the first snapshot
    async with round_trips() as cost:
        assert len(captions(await explore(d, "reader"))) == posts
    # token check, then the page's cards with the visibility re-check (the viewer's follows
    # with it) in one statement; Redis: the current version and its first entries in one
    # script.
    assert cost.db == 2
    assert cost.redis == 1
