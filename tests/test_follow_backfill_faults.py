"""A follow is committed before its backfill runs: when Redis or PostgreSQL fails in between
(as the soak, bench/soak.py, saw while Valkey restarted), the follower's feed must still hold
the followee's posts. The follow's transaction marks the feed stale; a finished backfill
clears the mark; an unfinished one leaves the next feed read to rebuild the feed."""

from __future__ import annotations

import pytest

from resolvers.deps import Deps
from storage.feed_cache import FeedCache
from storage.redis import open_redis
from tests.client import GraphQLClient
from tests.processes import free_port
from tests.social import FOLLOW, RunJobs, Social


async def _stale(social: Social, name: str) -> bool:
    return bool(
        await social.deps.db.fetchval(
            "SELECT feed_stale FROM users WHERE id = $1", social.raw_id(name)
        )
    )


async def test_a_follow_whose_backfill_fails_after_the_commit_still_fills_the_feed(
    gql: GraphQLClient, deps: Deps, run_jobs: RunJobs
) -> None:
    social = Social(gql, deps, run_jobs)
    await social.user("author")
    await social.user("reader")
    await social.post("author", "before the follow")
    healthy = deps.feed_cache
    # Redis refuses every command once the follow is committed, as while Valkey restarts.
    down = open_redis(f"redis://127.0.0.1:{free_port()}/0")
    deps.feed_cache = FeedCache(down, ttl_seconds=60)
    try:
        result = await gql(FOLLOW, {"id": social.ids["author"]}, token=social.tokens["reader"])
        assert result.codes == ["INTERNAL"]
    finally:
        deps.feed_cache = healthy
        await down.aclose()
    following = "SELECT following_count FROM users WHERE id = $1"
    assert await deps.db.fetchval(following, social.raw_id("reader")) == 1  # committed
    assert await _stale(social, "reader")
    assert await social.captions("reader") == ["before the follow"]
    assert not await _stale(social, "reader")  # the read rebuilt the feed


async def test_a_follow_that_backfills_leaves_no_rebuild_and_keeps_an_earlier_mark(
    gql: GraphQLClient, deps: Deps, run_jobs: RunJobs
) -> None:
    social = Social(gql, deps, run_jobs)
    for name in ("author", "reader", "away"):
        await social.user(name)
    await social.post("author", "hello")
    assert await social.follow("reader", "author") == "FOLLOWING"
    assert not await _stale(social, "reader")
    assert await social.captions("reader") == ["hello"]
    # Marked for another reason (back after a long absence): a follow leaves the mark.
    await deps.db.execute("UPDATE users SET feed_stale = true WHERE id = $1", social.raw_id("away"))
    assert await social.follow("away", "author") == "FOLLOWING"
    assert await _stale(social, "away")
    assert await social.captions("away") == ["hello"]


UNFOLLOW = "mutation($id: ID!) { unfollow(userId: $id) { status } }"


@pytest.mark.parametrize("failing", ["store", "cache"])
async def test_an_unfollow_whose_clean_up_fails_after_the_commit_still_empties_the_feed(
    gql: GraphQLClient, deps: Deps, run_jobs: RunJobs, failing: str
) -> None:
    social = Social(gql, deps, run_jobs)
    await social.user("author")
    await social.user("reader")
    assert await social.follow("reader", "author") == "FOLLOWING"
    await social.post("author", "public post")
    assert await social.captions("reader") == ["public post"]  # stored and cached
    healthy_feeds, healthy_cache = deps.feeds, deps.feed_cache
    down = open_redis(f"redis://127.0.0.1:{free_port()}/0")
    if failing == "store":

        class RefusingStore:
            async def remove_author(self, user_id: int, author_id: int) -> None:
                raise ConnectionRefusedError("the feed store is away")

        deps.feeds = RefusingStore()  # type: ignore[assignment]
    else:  # the store is cleaned, but Redis refuses to drop the cached feed
        deps.feed_cache = FeedCache(down, ttl_seconds=60)
    try:
        result = await gql(UNFOLLOW, {"id": social.ids["author"]}, token=social.tokens["reader"])
        assert result.codes == ["INTERNAL"]
    finally:
        deps.feeds, deps.feed_cache = healthy_feeds, healthy_cache
        await down.aclose()
    assert await _stale(social, "reader")  # committed with its repair noted
    assert await social.captions("reader") == []  # the read took the posts out
    assert not await _stale(social, "reader")
    assert await deps.db.fetchval("SELECT count(*) FROM feed_removals") == 0


async def test_an_unfollow_that_cleans_up_leaves_no_rebuild_and_a_refollow_keeps_the_posts(
    gql: GraphQLClient, deps: Deps, run_jobs: RunJobs
) -> None:
    social = Social(gql, deps, run_jobs)
    for name in ("author", "reader"):
        await social.user(name)
    assert await social.follow("reader", "author") == "FOLLOWING"
    await social.post("author", "hello")
    result = await gql(UNFOLLOW, {"id": social.ids["author"]}, token=social.tokens["reader"])
    assert result.ok()["unfollow"]["status"] == "NOT_FOLLOWING"
    assert not await _stale(social, "reader")
    assert await social.captions("reader") == []
    # A removal left by an unfinished unfollow does not outlive a follow back.
    await deps.db.execute(
        "INSERT INTO feed_removals (user_id, author_id) VALUES ($1, $2)",
        social.raw_id("reader"),
        social.raw_id("author"),
    )
    assert await social.follow("reader", "author") == "FOLLOWING"
    await deps.db.execute(
        "UPDATE users SET feed_stale = true WHERE id = $1", social.raw_id("reader")
    )
    assert await social.captions("reader") == ["hello"]
    assert await deps.db.fetchval("SELECT count(*) FROM feed_removals") == 0
