"""Database round trips per operation are pinned: N+1 cannot come back unnoticed."""

from __future__ import annotations

import pytest

from resolvers.deps import Deps
from schema import global_id
from tests.client import GraphQLClient
from tests.discovery import Discovery
from tests.round_trips import RoundTripMeter

GRID = """query($u: String!) { user(username: $u) { username
  posts(first: 12) { edges { node { id caption media { url } likeCount author { username } } }
  pageInfo { hasNextPage } }
} }"""
TAG_PAGE = """query($tag: String!) { hashtag(name: $tag) { postCount
  posts(first: 20) { edges { node { id caption likeCount author { username } } }
  pageInfo { hasNextPage } }
} }"""
COMMENTS = """query($id: ID!) { post(id: $id) { caption
  comments(first: 20) { edges { node { body author { username } } } }
} }"""

FOLLOWERS_PAGE = """query($u: String!, $first: Int) { user(username: $u) {
  username followerCount viewerFollowStatus
  followers(first: $first) { edges { node {
    id username followerCount viewerFollowStatus
  } } }
} }"""


async def _round_trips(
    round_trips: RoundTripMeter,
    gql: GraphQLClient,
    query: str,
    variables: dict[str, object],
    token: str,
) -> int:
    async with round_trips() as cost:
        (await gql(query, variables, token=token)).ok()
    return cost.db


@pytest.mark.parametrize("followers", [2, 12])
async def test_followers_page_costs_the_same_for_any_page_size(
    gql: GraphQLClient, round_trips: RoundTripMeter, followers: int
) -> None:
    viewer, _ = await gql.register("viewer")
    _, star_id = await gql.register("star")
    follow = "mutation($id: ID!) { follow(userId: $id) { status } }"
    for i in range(followers):
        token, fan_id = await gql.register(f"fan{i:02d}")
        await gql(follow, {"id": star_id}, token=token)
        await gql(follow, {"id": fan_id}, token=viewer)
    count = await _round_trips(round_trips, gql, FOLLOWERS_PAGE, {"u": "star", "first": 20}, viewer)
    # token check, user by name with the viewer's relation to them, followers page,
    # follow states of everyone on the page (one batch)
    assert count == 4


async def test_viewer_query_costs_two_round_trips(
    gql: GraphQLClient, round_trips: RoundTripMeter
) -> None:
    token, _ = await gql.register("solo")
    query = "{ viewer { username followerCount } }"
    count = await _round_trips(round_trips, gql, query, {}, token)
    assert count == 2  # token check, user by id


@pytest.mark.parametrize("posts", [2, 14])
async def test_profile_hashtag_and_comment_pages_cost_the_same_for_any_size(
    gql: GraphQLClient, deps: Deps, round_trips: RoundTripMeter, posts: int
) -> None:
    d = Discovery(gql, deps)
    await d.user("viewer")
    await d.user("author")
    post_id = 0
    for i in range(posts):
        post_id = await d.post("author", f"post {i} #sunset")
    commented = global_id.encode("Post", post_id)
    comment = "mutation($p: ID!, $b: String!) { addComment(postId: $p, body: $b) { id } }"
    for i in range(posts):
        token = await d.user(f"talker{i:02d}")
        (await gql(comment, {"p": commented, "b": f"hi {i}"}, token=token)).ok()
    viewer = d.tokens["viewer"]
    for query, variables in ((GRID, {"u": "author"}), (TAG_PAGE, {"tag": "sunset"})):
        (await gql(query, variables, token=viewer)).ok()  # statements prepared once first
    (await gql(COMMENTS, {"id": commented}, token=viewer)).ok()
    # token check, the grid with its cards, which tell the user and the viewer's relation
    # (the user named, the listing and the cards in one statement)
    assert await _round_trips(round_trips, gql, GRID, {"u": "author"}, viewer) == 2
    # token check, the tag's page with its cards and the tag's count (read with the tag)
    assert await _round_trips(round_trips, gql, TAG_PAGE, {"tag": "sunset"}, viewer) == 2
    # token check, the post's card, the comment page with its authors
    assert await _round_trips(round_trips, gql, COMMENTS, {"id": commented}, viewer) == 3
