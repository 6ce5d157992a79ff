"""Likes: idempotent, exact under concurrency, private posts, rate limits."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from resolvers.deps import Deps
from schema import global_id
from tests.client import GraphQLClient
from tests.engagement_helpers import LIKE, POST_COUNTS, UNLIKE, Crowd, RunJobs

# Each test runs on one Valkey node and on a Redis Cluster (tests/conftest.py, redis_kind).
pytestmark = pytest.mark.usefixtures("redis_kind")


@pytest.fixture
def crowd(gql: GraphQLClient, deps: Deps, run_jobs: RunJobs) -> Crowd:
    return Crowd(gql, deps, run_jobs)


async def _stored_likes(deps: Deps, post_id: str) -> tuple[int, int, int]:
    """(like rows, sum of the like shards, shards used) straight from PostgreSQL."""
    raw = global_id.decode_as(post_id, "Post", field="id")
    record = await deps.db.fetchrow(
        """SELECT (SELECT count(*) FROM likes WHERE post_id = $1) AS rows,
                  (SELECT coalesce(sum(value), 0) FROM post_counter_shards
                   WHERE post_id = $1 AND counter = 'likes') AS total,
                  (SELECT count(*) FROM post_counter_shards
                   WHERE post_id = $1 AND counter = 'likes') AS shards""",
        raw,
    )
    assert record is not None
    return record["rows"], record["total"], record["shards"]


async def test_like_and_unlike_are_idempotent(crowd: Crowd) -> None:
    await crowd.user("author")
    await crowd.user("fan")
    post = await crowd.share("author")
    for _ in range(2):
        liked = (await crowd.call("fan", LIKE, id=post)).ok()["likePost"]
        assert liked == {"id": post, "likeCount": 1, "viewerHasLiked": True}
    for _ in range(2):
        unliked = (await crowd.call("fan", UNLIKE, id=post)).ok()["unlikePost"]
        assert unliked == {"id": post, "likeCount": 0, "viewerHasLiked": False}
    assert (await _stored_likes(crowd.deps, post))[:2] == (0, 0)


async def test_counts_are_fresh_across_mutations_of_one_document(crowd: Crowd) -> None:
    await crowd.user("author")
    await crowd.user("fan")
    post = await crowd.share("author")
    both = """mutation($id: ID!) {
      a: likePost(postId: $id) { likeCount viewerHasLiked }
      b: unlikePost(postId: $id) { likeCount viewerHasLiked }
      c: likePost(postId: $id) { likeCount viewerHasLiked }
    }"""
    data = (await crowd.call("fan", both, id=post)).ok()
    assert data == {
        "a": {"likeCount": 1, "viewerHasLiked": True},
        "b": {"likeCount": 0, "viewerHasLiked": False},
        "c": {"likeCount": 1, "viewerHasLiked": True},
    }


async def test_one_hundred_concurrent_likers_are_counted_exactly(crowd: Crowd) -> None:
    await crowd.user("viral")
    post = await crowd.share("viral", "everyone likes this")
    fans = await crowd.users("fan", 100)
    results = await asyncio.gather(*(crowd.call(f, LIKE, id=post) for f in fans))
    assert all(not r.errors for r in results)
    assert (await crowd.counts(post))["likeCount"] == 100
    rows, total, shards = await _stored_likes(crowd.deps, post)
    assert rows == total == 100
    assert shards > 1  # spread over shards, not one hot row

    # Half unlike while the other half like again (a no-op for them), all at once.
    leaving, staying = fans[:50], fans[50:]
    results = await asyncio.gather(
        *(crowd.call(f, UNLIKE, id=post) for f in leaving),
        *(crowd.call(f, LIKE, id=post) for f in staying),
    )
    assert all(not r.errors for r in results)
    assert (await crowd.counts(post))["likeCount"] == 50
    assert (await _stored_likes(crowd.deps, post))[:2] == (50, 50)
    assert (await crowd.counts(post, viewer=leaving[0]))["viewerHasLiked"] is False
    assert (await crowd.counts(post, viewer=staying[0]))["viewerHasLiked"] is True


async def test_viewer_has_liked_is_per_viewer(crowd: Crowd) -> None:
    for name in ("author", "liker", "other"):
        await crowd.user(name)
    post = await crowd.share("author")
    (await crowd.call("liker", LIKE, id=post)).ok()
    assert await crowd.counts(post, viewer="liker") == {
        "likeCount": 1,
        "commentCount": 0,
        "viewerHasLiked": True,
    }
    assert (await crowd.counts(post, viewer="other"))["viewerHasLiked"] is False
    assert (await crowd.counts(post, viewer="author"))["viewerHasLiked"] is False
    anonymous = await crowd.counts(post)
    assert anonymous["viewerHasLiked"] is False and anonymous["likeCount"] == 1


async def test_private_posts_cannot_be_liked_by_non_followers(crowd: Crowd) -> None:
    for name in ("secret", "stranger", "friend"):
        await crowd.user(name)
    await crowd.make_private("secret")
    post = await crowd.share("secret")
    assert await crowd.follow("stranger", "secret") == "REQUESTED"  # pending: still hidden
    assert await crowd.follow("friend", "secret") == "REQUESTED"
    await crowd.approve("secret", "friend")
    assert (await crowd.call("stranger", LIKE, id=post)).codes == ["NOT_FOUND"]
    assert (await crowd.call("stranger", UNLIKE, id=post)).codes == ["NOT_FOUND"]
    assert (await crowd.call("friend", LIKE, id=post)).ok()["likePost"]["likeCount"] == 1
    assert (await crowd.call("stranger", POST_COUNTS, id=post)).ok() == {"post": None}
    assert (await _stored_likes(crowd.deps, post))[0] == 1


async def test_likes_need_a_viewer_and_a_real_post(crowd: Crowd) -> None:
    await crowd.user("author")
    await crowd.user("fan")
    post = await crowd.share("author")
    assert (await crowd.call(None, LIKE, id=post)).codes == ["UNAUTHENTICATED"]
    assert (await crowd.call("fan", LIKE, id=crowd.ids["author"])).codes == ["BAD_USER_INPUT"]
    assert (await crowd.call("fan", LIKE, id="garbage")).codes == ["BAD_USER_INPUT"]
    missing = global_id.encode("Post", 12345)
    assert (await crowd.call("fan", LIKE, id=missing)).codes == ["NOT_FOUND"]
    deleted = await crowd.share("author")
    (await crowd.call("author", "mutation($id: ID!) { deletePost(id: $id) }", id=deleted)).ok()
    assert (await crowd.call("fan", LIKE, id=deleted)).codes == ["NOT_FOUND"]


async def test_likes_beyond_the_bucket_are_rate_limited(
    crowd: Crowd, tune: Callable[..., None]
) -> None:
    tune(rate_limits="like=3/60")
    await crowd.user("author")
    await crowd.user("clicker")
    await crowd.user("calm")
    post = await crowd.share("author")
    for query in (LIKE, UNLIKE, LIKE):
        (await crowd.call("clicker", query, id=post)).ok()
    limited = await crowd.call("clicker", UNLIKE, id=post)
    assert limited.codes == ["RATE_LIMITED"]
    assert limited.data is None
    # One token comes back every 20 s.
    assert 1 <= limited.errors[0]["extensions"]["retryAfter"] <= 20
    assert (await crowd.counts(post))["likeCount"] == 1  # the refused unlike changed nothing
    # Buckets are per user.
    assert (await crowd.call("calm", LIKE, id=post)).ok()["likePost"]["likeCount"] == 2
