"""Database round trips per operation are pinned: N+1 cannot come back unnoticed."""

from __future__ import annotations

import pytest

from tests.client import GraphQLClient
from tests.round_trips import RoundTripMeter

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
    # token check, user by name, the user's follow state, followers page,
    # follow states of everyone on the page (one batch)
    assert count == 5


async def test_viewer_query_costs_two_round_trips(
    gql: GraphQLClient, round_trips: RoundTripMeter
) -> None:
    token, _ = await gql.register("solo")
    query = "{ viewer { username followerCount } }"
    count = await _round_trips(round_trips, gql, query, {}, token)
    assert count == 2  # token check, user by id
