from __future__ import annotations

import asyncio

from resolvers.deps import Deps
from tests.client import GraphQLClient

FOLLOW = """mutation($id: ID!) { follow(userId: $id) {
  status user { username followerCount viewerFollowStatus } } }"""
UNFOLLOW = "mutation($id: ID!) { unfollow(userId: $id) { status user { followerCount } } }"
APPROVE = "mutation($id: ID!) { approveFollowRequest(userId: $id) { username followingCount } }"
REJECT = "mutation($id: ID!) { rejectFollowRequest(userId: $id) { username } }"
COUNTS = """query($u: String!) { user(username: $u) {
  followerCount followingCount viewerFollowStatus } }"""
FOLLOWERS = """query($u: String!, $first: Int, $after: String) { user(username: $u) {
  followers(first: $first, after: $after) {
    edges { cursor node { username } } pageInfo { hasNextPage endCursor } } } }"""
REQUESTS = "{ followRequests { edges { node { username } } pageInfo { hasNextPage } } }"


async def test_follow_is_idempotent_and_counted_once(gql: GraphQLClient) -> None:
    alice, _ = await gql.register("alice")
    _, bob_id = await gql.register("bob")
    for _ in range(3):
        payload = (await gql(FOLLOW, {"id": bob_id}, token=alice)).ok()["follow"]
        assert payload["status"] == "FOLLOWING"
        assert payload["user"] == {
            "username": "bob",
            "followerCount": 1,
            "viewerFollowStatus": "FOLLOWING",
        }
    me = (await gql(COUNTS, {"u": "alice"}, token=alice)).ok()["user"]
    assert me["followingCount"] == 1

    for _ in range(2):
        payload = (await gql(UNFOLLOW, {"id": bob_id}, token=alice)).ok()["unfollow"]
        assert payload == {"status": "NOT_FOLLOWING", "user": {"followerCount": 0}}
    me = (await gql(COUNTS, {"u": "alice"}, token=alice)).ok()["user"]
    assert me["followingCount"] == 0


async def test_following_yourself_is_bad_input(gql: GraphQLClient) -> None:
    token, me = await gql.register("narcissus")
    assert (await gql(FOLLOW, {"id": me}, token=token)).codes == ["BAD_USER_INPUT"]
    assert (await gql(UNFOLLOW, {"id": me}, token=token)).codes == ["BAD_USER_INPUT"]


async def test_unknown_and_malformed_ids(gql: GraphQLClient) -> None:
    token, _ = await gql.register("carol")
    missing = "VXNlcjo5OTk5OTk"  # a well-formed User id nobody has
    assert (await gql(FOLLOW, {"id": missing}, token=token)).codes == ["NOT_FOUND"]
    assert (await gql(UNFOLLOW, {"id": missing}, token=token)).codes == ["NOT_FOUND"]
    assert (await gql(APPROVE, {"id": missing}, token=token)).codes == ["NOT_FOUND"]
    assert (await gql(FOLLOW, {"id": "not-an-id"}, token=token)).codes == ["BAD_USER_INPUT"]


async def test_follow_needs_a_viewer(gql: GraphQLClient) -> None:
    _, bob = await gql.register("bob")
    assert (await gql(FOLLOW, {"id": bob})).codes == ["UNAUTHENTICATED"]
    assert (await gql(REQUESTS)).codes == ["UNAUTHENTICATED"]


async def test_private_account_request_flow(gql: GraphQLClient) -> None:
    owner, owner_id = await gql.register("private.pat")
    await gql("mutation { updateProfile(input: {isPrivate: true}) { isPrivate } }", token=owner)
    fan, fan_id = await gql.register("fan")
    other, other_id = await gql.register("other")

    requested = (await gql(FOLLOW, {"id": owner_id}, token=fan)).ok()["follow"]
    assert requested["status"] == "REQUESTED"
    assert requested["user"]["followerCount"] == 0
    assert requested["user"]["viewerFollowStatus"] == "REQUESTED"
    await gql(FOLLOW, {"id": owner_id}, token=other)

    # Only the owner sees requests; a request is not a follower yet.
    pending = (await gql(REQUESTS, token=owner)).ok()["followRequests"]["edges"]
    assert [e["node"]["username"] for e in pending] == ["other", "fan"]
    assert (await gql(REQUESTS, token=fan)).ok()["followRequests"]["edges"] == []
    hidden = (await gql(FOLLOWERS, {"u": "private.pat"}, token=fan)).ok()
    assert hidden["user"]["followers"]["edges"] == []

    approved = (await gql(APPROVE, {"id": fan_id}, token=owner)).ok()["approveFollowRequest"]
    assert approved == {"username": "fan", "followingCount": 1}
    assert (await gql(APPROVE, {"id": fan_id}, token=owner)).codes == ["NOT_FOUND"]
    assert (await gql(REJECT, {"id": other_id}, token=owner)).ok()["rejectFollowRequest"] == {
        "username": "other"
    }
    assert (await gql(REJECT, {"id": other_id}, token=owner)).codes == ["NOT_FOUND"]

    status = (await gql(COUNTS, {"u": "private.pat"}, token=fan)).ok()["user"]
    assert status == {"followerCount": 1, "followingCount": 0, "viewerFollowStatus": "FOLLOWING"}
    visible = (await gql(FOLLOWERS, {"u": "private.pat"}, token=fan)).ok()
    assert [e["node"]["username"] for e in visible["user"]["followers"]["edges"]] == ["fan"]
    rejected = (await gql(COUNTS, {"u": "private.pat"}, token=other)).ok()["user"]
    assert rejected["viewerFollowStatus"] == "NOT_FOLLOWING"


async def test_withdrawing_a_request_leaves_counts_alone(gql: GraphQLClient) -> None:
    owner, owner_id = await gql.register("shy")
    await gql("mutation { updateProfile(input: {isPrivate: true}) { id } }", token=owner)
    fan, _ = await gql.register("fan")
    await gql(FOLLOW, {"id": owner_id}, token=fan)
    withdrawn = (await gql(UNFOLLOW, {"id": owner_id}, token=fan)).ok()["unfollow"]
    assert withdrawn == {"status": "NOT_FOLLOWING", "user": {"followerCount": 0}}
    assert (await gql(REQUESTS, token=owner)).ok()["followRequests"]["edges"] == []


async def test_going_public_approves_pending_requests(gql: GraphQLClient) -> None:
    owner, owner_id = await gql.register("shy")
    await gql("mutation { updateProfile(input: {isPrivate: true}) { id } }", token=owner)
    for name in ("fan1", "fan2"):
        token, _ = await gql.register(name)
        await gql(FOLLOW, {"id": owner_id}, token=token)
    public = await gql(
        "mutation { updateProfile(input: {isPrivate: false}) { isPrivate followerCount } }",
        token=owner,
    )
    assert public.ok()["updateProfile"] == {"isPrivate": False, "followerCount": 2}


async def test_counters_exact_under_50_concurrent_followers(gql: GraphQLClient, deps: Deps) -> None:
    _, star_id = await gql.register("star")
    tokens = [(await gql.register(f"fan{i:02d}"))[0] for i in range(50)]
    results = await asyncio.gather(*(gql(FOLLOW, {"id": star_id}, token=t) for t in tokens))
    assert all(r.ok()["follow"]["status"] == "FOLLOWING" for r in results)
    # The same 50 again, concurrently with 25 unfollows: still exact.
    again = [gql(FOLLOW, {"id": star_id}, token=t) for t in tokens]
    leave = [gql(UNFOLLOW, {"id": star_id}, token=t) for t in tokens[:25]]
    for result in await asyncio.gather(*again, *leave):
        result.ok()
    row = await deps.db.fetchrow(
        "SELECT follower_count, (SELECT count(*) FROM follows WHERE followee_id = users.id"
        " AND state = 'active') AS actual FROM users WHERE username = 'star'"
    )
    assert row["follower_count"] == row["actual"]
    following = await deps.db.fetchval(
        "SELECT count(*) FROM users WHERE username LIKE 'fan%' AND following_count"
        " <> (SELECT count(*) FROM follows WHERE follower_id = users.id AND state = 'active')"
    )
    assert following == 0


async def test_followers_pagination_has_no_repeats_or_skips(gql: GraphQLClient) -> None:
    _, star_id = await gql.register("star")
    fans = []
    for i in range(7):
        token, _ = await gql.register(f"fan{i}")
        await gql(FOLLOW, {"id": star_id}, token=token)
        fans.append(f"fan{i}")

    seen: list[str] = []
    after = None
    late = 0
    while True:
        page = (await gql(FOLLOWERS, {"u": "star", "first": 3, "after": after})).ok()
        followers = page["user"]["followers"]
        seen += [e["node"]["username"] for e in followers["edges"]]
        # Someone new follows between pages: they appear at the top, not in later pages.
        token, _ = await gql.register(f"late{late}")
        await gql(FOLLOW, {"id": star_id}, token=token)
        late += 1
        if not followers["pageInfo"]["hasNextPage"]:
            break
        after = followers["pageInfo"]["endCursor"]
    assert seen == list(reversed(fans))


async def test_page_size_limits_and_bad_cursors(gql: GraphQLClient) -> None:
    await gql.register("star")
    too_many = await gql(FOLLOWERS, {"u": "star", "first": 51})
    assert too_many.codes == ["BAD_USER_INPUT"]
    negative = await gql(FOLLOWERS, {"u": "star", "first": -1})
    assert negative.codes == ["BAD_USER_INPUT"]
    assert (await gql(FOLLOWERS, {"u": "star", "first": 50})).ok()
    garbage = await gql(FOLLOWERS, {"u": "star", "after": "garbage!!"})
    assert garbage.codes == ["BAD_USER_INPUT"]


async def test_following_list(gql: GraphQLClient) -> None:
    me, _ = await gql.register("myself")
    for name in ("ann1", "ann2", "ann3"):
        _, uid = await gql.register(name)
        await gql(FOLLOW, {"id": uid}, token=me)
    result = await gql(
        """{ user(username: "myself") { following(first: 2) {
            edges { node { username } } pageInfo { hasNextPage } } } }"""
    )
    following = result.ok()["user"]["following"]
    assert [e["node"]["username"] for e in following["edges"]] == ["ann3", "ann2"]
    assert following["pageInfo"]["hasNextPage"] is True
