"""A follow is committed before its backfill runs: when Redis or PostgreSQL fails in between
(as the soak, bench/soak.py, saw while Valkey restarted), the follower's feed must still hold
the followee's posts. The follow's transaction marks the feed stale; a finished backfill
clears the mark; an unfinished one leaves the next feed read to rebuild the feed."""

from __future__ import annotations

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
