"""removeFollower: a user drops one of their followers (or a pending request) over GraphQL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tests.social import Social

RunJobs = Callable[[], Awaitable[int]]

REMOVE = """mutation($id: ID!) { removeFollower(userId: $id) {
  username followingCount viewerFollowStatus } }"""
COUNTS = """query($u: String!) { user(username: $u) { followerCount followingCount } }"""
FOLLOWERS = """query($u: String!) { user(username: $u) {
  followers { edges { node { username } } } } }"""
REQUESTS = "{ followRequests { edges { node { username } } } }"
GO_PRIVATE = "mutation { updateProfile(input: {isPrivate: true}) { isPrivate } }"
APPROVE = "mutation($id: ID!) { approveFollowRequest(userId: $id) { username } }"


async def _counts(social: Social, name: str) -> tuple[int, int]:
    user = (await social.gql(COUNTS, {"u": name})).ok()["user"]
    return user["followerCount"], user["followingCount"]


async def test_a_private_account_drops_a_follower_it_approved(social: Social) -> None:
    for name in ("owner", "fan", "other_fan"):
        await social.user(name)
    (await social.gql(GO_PRIVATE, token=social.tokens["owner"])).ok()
    for fan in ("fan", "other_fan"):
        assert await social.follow(fan, "owner") == "REQUESTED"
        approve = await social.gql(APPROVE, {"id": social.ids[fan]}, token=social.tokens["owner"])
        approve.ok()
    await social.post("owner", "for my followers")
    assert await social.captions("fan") == ["for my followers"]

    for _ in range(2):  # idempotent: the second call changes nothing
        removed = await social.gql(REMOVE, {"id": social.ids["fan"]}, token=social.tokens["owner"])
        assert removed.ok()["removeFollower"] == {
            "username": "fan",
            "followingCount": 0,
            "viewerFollowStatus": "NOT_FOLLOWING",
        }
    assert await _counts(social, "owner") == (1, 0)
    assert await _counts(social, "fan") == (0, 0)
    # The owner's posts leave the removed follower's feed, and the private posts are hidden.
    assert await social.captions("fan") == []
    assert await social.feed_rows("fan") == 0
    assert await social.captions("other_fan") == ["for my followers"]
    followers = (await social.gql(FOLLOWERS, {"u": "owner"}, token=social.tokens["owner"])).ok()
    assert [e["node"]["username"] for e in followers["user"]["followers"]["edges"]] == ["other_fan"]
    # Following again is a new request, not a silent come-back.
    assert await social.follow("fan", "owner") == "REQUESTED"


async def test_a_pending_request_is_removed_too(social: Social) -> None:
    for name in ("owner", "asker"):
        await social.user(name)
    (await social.gql(GO_PRIVATE, token=social.tokens["owner"])).ok()
    assert await social.follow("asker", "owner") == "REQUESTED"
    removed = await social.gql(REMOVE, {"id": social.ids["asker"]}, token=social.tokens["owner"])
    assert removed.ok()["removeFollower"]["viewerFollowStatus"] == "NOT_FOLLOWING"
    requests = (await social.gql(REQUESTS, token=social.tokens["owner"])).ok()
    assert requests["followRequests"]["edges"] == []
    assert await _counts(social, "owner") == (0, 0)


async def test_a_public_account_removes_a_follower(social: Social) -> None:
    for name in ("owner", "fan"):
        await social.user(name)
    await social.follow("fan", "owner")
    await social.post("owner", "public post")
    assert await social.captions("fan") == ["public post"]
    removed = await social.gql(REMOVE, {"id": social.ids["fan"]}, token=social.tokens["owner"])
    removed.ok()
    assert await _counts(social, "owner") == (0, 0)
    assert await social.captions("fan") == []


async def test_someone_who_does_not_follow_is_left_alone(social: Social) -> None:
    for name in ("owner", "stranger", "followed"):
        await social.user(name)
    await social.follow("owner", "followed")  # the other direction is not theirs to drop
    for target in ("stranger", "followed"):
        removed = await social.gql(REMOVE, {"id": social.ids[target]}, token=social.tokens["owner"])
        removed.ok()
    assert await _counts(social, "owner") == (0, 1)
    assert await _counts(social, "followed") == (1, 0)


async def test_bad_calls(social: Social) -> None:
    token = await social.user("owner")
    missing = "VXNlcjo5OTk5OTk"  # a well-formed User id nobody has
    assert (await social.gql(REMOVE, {"id": missing}, token=token)).codes == ["NOT_FOUND"]
    assert (await social.gql(REMOVE, {"id": "nope"}, token=token)).codes == ["BAD_USER_INPUT"]
    assert (await social.gql(REMOVE, {"id": social.ids["owner"]}, token=token)).codes == [
        "BAD_USER_INPUT"
    ]
    assert (await social.gql(REMOVE, {"id": social.ids["owner"]})).codes == ["UNAUTHENTICATED"]
