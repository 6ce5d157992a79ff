"""Counts, likes and comment previews on a feed page cost the same for any page size."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from resolvers.deps import Deps
from tests.client import GraphQLClient
from tests.engagement_helpers import LIKE, Crowd, RunJobs
from tests.round_trips import RoundTripMeter

FEED_WITH_COUNTS = """query { feed(first: 20) { edges { node {
  id author { username } media { url } likeCount commentCount viewerHasLiked
} } } }"""
FEED_WITH_COMMENTS = """query { feed(first: 20) { edges { node {
  id author { username } media { url } likeCount commentCount viewerHasLiked
  comments(first: 2) { edges { node { body author { username } } } pageInfo { hasNextPage } }
} } } }"""


MeasuredFeed = Callable[[str], Awaitable[tuple[int, list[dict[str, object]]]]]


@pytest.fixture
def crowd(gql: GraphQLClient, deps: Deps, run_jobs: RunJobs) -> Crowd:
    return Crowd(gql, deps, run_jobs)


@pytest.fixture
def measured_feed(crowd: Crowd, round_trips: RoundTripMeter) -> MeasuredFeed:
    async def read(query: str) -> tuple[int, list[dict[str, object]]]:
        (await crowd.call("reader", query)).ok()  # warm the feed cache and celebrity list
        async with round_trips() as cost:
            data = (await crowd.call("reader", query)).ok()
        return cost.db, [e["node"] for e in data["feed"]["edges"]]

    return read


async def _feed_with_engagement(crowd: Crowd, posts: int) -> list[str]:
    """`posts` posts in the reader's feed, every other one liked by the reader, each with
    three comments (by the reader and by someone the page does not otherwise load)."""
    for name in ("reader", "chatter", "author1", "author2"):
        await crowd.user(name)
    for author in ("author1", "author2"):
        await crowd.follow("reader", author)
    ids = [await crowd.share(f"author{1 + i % 2}", f"p{i}") for i in range(posts)]
    for i, post in enumerate(ids):
        if i % 2 == 0:
            (await crowd.call("reader", LIKE, id=post)).ok()
        (await crowd.call("chatter", LIKE, id=post)).ok()
        for who in ("chatter", "reader", "chatter"):
            await crowd.comment(who, post, f"{who} on p{i}")
    return ids


@pytest.mark.parametrize("posts", [2, 8])
async def test_counts_and_viewer_likes_do_not_grow_with_the_page(
    crowd: Crowd, measured_feed: MeasuredFeed, posts: int
) -> None:
    ids = await _feed_with_engagement(crowd, posts)
    count, nodes = await measured_feed(FEED_WITH_COUNTS)
    assert [n["id"] for n in nodes] == ids[::-1]
    for i, node in zip(range(posts - 1, -1, -1), nodes, strict=True):
        assert node["likeCount"] == (2 if i % 2 == 0 else 1)
        assert node["commentCount"] == 3
        assert node["viewerHasLiked"] is (i % 2 == 0)
    # The token, then the page's cards: posts, authors, follow states, media, shard sums
    # and the viewer's likes in one statement.
    assert count == 2


@pytest.mark.parametrize("posts", [2, 8])
async def test_comment_previews_do_not_grow_with_the_page(
    crowd: Crowd, measured_feed: MeasuredFeed, posts: int
) -> None:
    await _feed_with_engagement(crowd, posts)
    count, nodes = await measured_feed(FEED_WITH_COMMENTS)
    for node in nodes:
        comments = node["comments"]
        assert isinstance(comments, dict)
        assert [e["node"]["author"]["username"] for e in comments["edges"]] == [
            "chatter",
            "reader",
        ]
        assert comments["pageInfo"] == {"hasNextPage": True}
    # As above, plus one query for every post's comment page with their authors.
    assert count == 3
