"""suggestedUsers: friends of friends by how many followees follow them, then popular accounts."""

from __future__ import annotations

import pytest

from resolvers.deps import Deps
from storage import keys
from tests.client import GraphQLClient
from tests.round_trips import RoundTripMeter
from tests.safety_helpers import BLOCK, GO_PRIVATE
from tests.social import RunJobs, Social

# The ranked feed's Redis keys (sessions, seen and followee sets, suggestions) on one node
# and on a Redis Cluster.
pytestmark = pytest.mark.usefixtures("redis_kind")

SUGGESTED = "query($first: Int) { suggestedUsers(first: $first) { username } }"


@pytest.fixture
def s(gql: GraphQLClient, deps: Deps, run_jobs: RunJobs) -> Social:
    return Social(gql, deps, run_jobs)


async def suggested(s: Social, name: str, first: int = 10) -> list[str]:
    result = await s.gql(SUGGESTED, {"first": first}, token=s.tokens[name])
    return [u["username"] for u in result.ok()["suggestedUsers"]]


async def test_friends_of_friends_by_how_many_followees_follow_them(s: Social) -> None:
    names = ["viewer", "ann", "ben", "cat", "xen", "yol", "zed", "priv", "blk", "shy", "star"]
    for name in names:
        await s.user(name)
    (await s.gql(GO_PRIVATE, token=s.tokens["priv"])).ok()
    for followee in ("ann", "ben", "cat", "priv"):
        await s.follow("viewer", followee)  # priv: a request
    for friend, theirs in {
        "ann": ["xen", "yol", "zed", "ben", "viewer", "blk", "shy"],
        "ben": ["xen", "yol"],
        "cat": ["xen"],
    }.items():
        for followee in theirs:
            await s.follow(friend, followee)
    await s.follow("shy", "priv")
    (await s.gql(BLOCK, {"id": s.ids["viewer"]}, token=s.tokens["blk"])).ok()
    for fan in ("zed", "yol", "xen"):
        await s.follow(fan, "star")  # the most followed account, known to no followee
    # xen (3 followees follow them), yol (2), zed and shy (1 each: the older account first), then
    # popular accounts. Never the viewer, a followee (ben), someone asked (priv) or a
    # blocker (blk).
    assert await suggested(s, "viewer") == ["xen", "yol", "zed", "shy", "star"]
    assert await suggested(s, "viewer", first=2) == ["xen", "yol"]
    assert await suggested(s, "viewer", first=0) == []
    assert (await s.gql(SUGGESTED, {"first": 51}, token=s.tokens["viewer"])).codes == [
        "BAD_USER_INPUT"
    ]
    assert (await s.gql(SUGGESTED)).codes == ["UNAUTHENTICATED"]


async def test_a_new_user_gets_popular_accounts(s: Social) -> None:
    for name in ("newbie", "big", "mid", "small"):
        await s.user(name)
    for i in range(3):
        await s.user(f"fan{i}")
        await s.follow(f"fan{i}", "big")
        if i < 2:
            await s.follow(f"fan{i}", "mid")
    await s.follow("fan0", "small")
    assert (await suggested(s, "newbie"))[:3] == ["big", "mid", "small"]


async def test_cached_per_viewer_and_rechecked_when_served(
    s: Social, round_trips: RoundTripMeter
) -> None:
    for name in ("viewer", "ann", "xen", "yol", "late"):
        await s.user(name)
    await s.follow("viewer", "ann")
    await s.follow("ann", "xen")
    await s.follow("ann", "yol")
    assert (await suggested(s, "viewer"))[:2] == ["xen", "yol"]
    assert await s.deps.redis.exists(keys.suggested_users(s.raw_id("viewer")))
    await s.follow("ann", "late")  # a new friend of a friend: not until the cache expires
    await s.follow("viewer", "xen")  # followed since: out at once
    async with round_trips() as cost:
        shown = await suggested(s, "viewer")
    assert "xen" not in shown and shown.index("yol") == 0
    assert shown.index("late") > 0  # only as a popular account, from the cached ranking
    # DB: token, the cached ranking re-checked. Redis: the cached ranking.
    assert (cost.db, cost.redis) == (2, 1)
    await s.deps.redis.delete(keys.suggested_users(s.raw_id("viewer")))
    assert (await suggested(s, "viewer"))[:2] == ["yol", "late"]
