"""Blocks and mutes over HTTP and WebSocket: what each changes at once, and what each hides."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from resolvers.deps import Deps
from schema import global_id
from tests import media_samples
from tests.client import GraphQLClient, upload
from tests.round_trips import RoundTripMeter
from tests.safety_helpers import (
    BLOCK,
    MUTE,
    UNBLOCK,
    UNMUTE,
    Safety,
    connect,
    listening,
    receive,
    subscribe,
)
from tests.story_helpers import CREATE_STORY, NODE, tray_of

RunJobs = Callable[[], Awaitable[int]]

LIKE = "mutation($id: ID!) { likePost(postId: $id) { id } }"
COMMENT = 'mutation($id: ID!) { addComment(postId: $id, body: "hi") { id } }'
FOLLOW = "mutation($id: ID!) { follow(userId: $id) { status } }"
NODE_USER = "query($id: ID!) { node(id: $id) { ... on User { username } } }"
SEARCH = "query($q: String!) { search(query: $q) { users { username } } }"
BLOCKED = "{ blockedUsers { edges { node { username } } pageInfo { hasNextPage } } }"
COMMENTS = """query($id: ID!) { post(id: $id) {
  commentCount comments { edges { node { body author { username } } } }
} }"""
COMMENT_NODE = "query($id: ID!) { node(id: $id) { ... on Comment { body } } }"
FEED_UPDATES = "subscription { feedUpdates { caption } }"


@pytest.fixture
def s(gql: GraphQLClient, deps: Deps, run_jobs: RunJobs) -> Safety:
    return Safety(gql, deps, run_jobs)


def pid(post_id: int) -> str:
    return global_id.encode("Post", post_id)


async def _follow_counts(s: Safety, name: str) -> tuple[int, int]:
    row = await s.deps.db.fetchrow(
        "SELECT follower_count, following_count FROM users WHERE id = $1", s.raw_id(name)
    )
    assert row is not None
    return row["follower_count"], row["following_count"]


async def test_a_block_drops_follows_requests_and_feeds_both_ways(s: Safety) -> None:
    for name in ("ada", "bob", "dee"):
        await s.user(name)
    await s.follow("ada", "bob")
    await s.follow("bob", "ada")
    ada_post, bob_post = await s.post("ada", "by ada"), await s.post("bob", "by bob")
    for name in ("ada", "bob"):
        assert await s.captions(name) == ["by bob", "by ada"]  # builds the caches too
    assert await s.cached_feed("ada") == await s.cached_feed("bob") == [ada_post, bob_post]
    await s.go_private("dee")
    assert await s.follow("ada", "dee") == "REQUESTED"
    assert await s.follow("dee", "ada") == "FOLLOWING"

    for _ in range(2):  # idempotent
        result = (await s.act("ada", BLOCK, "bob")).ok()["block"]
        assert result == {"username": "bob", "viewerHasBlocked": True}
    await s.block("dee", "ada")

    assert await s.deps.db.fetchval("SELECT count(*) FROM follows") == 0
    for name in ("ada", "bob", "dee"):
        assert await _follow_counts(s, name) == (0, 0), name
    # Store and cache alike: nothing of the other is left in either home feed.
    assert await s.stored_feed("ada") == [ada_post]
    assert await s.stored_feed("bob") == [bob_post]
    assert await s.captions("ada") == ["by ada"]
    assert await s.captions("bob") == ["by bob"]
    assert await s.cached_feed("ada") == [ada_post]
    assert await s.cached_feed("bob") == [bob_post]


async def test_to_the_blocked_user_the_blocker_does_not_exist(
    s: Safety, gql: GraphQLClient
) -> None:
    for name in ("ada", "bob", "cat"):
        await s.user(name)
    await s.follow("ada", "cat")
    ada_post, cat_post = await s.post("ada", "ada's"), await s.post("cat", "cat's")
    ada_comment = (await s.call("ada", COMMENT, id=pid(cat_post))).ok()["addComment"]["id"]
    await s.call("bob", COMMENT, id=pid(cat_post))
    story_media = await upload(gql, s.tokens["ada"], media_samples.jpeg(48, 32), "image/jpeg")
    story = (await s.call("ada", CREATE_STORY, m=story_media)).ok()["createStory"]["id"]
    await s.run_jobs()
    await s.block("ada", "bob")

    # bob, the blocked one: ada is nowhere.
    assert await s.profile("bob", "ada") is None
    assert (await s.call("bob", NODE_USER, id=s.ids["ada"])).ok()["node"] is None
    assert (await s.call("bob", SEARCH, q="ad")).ok()["search"]["users"] == []
    assert await s.seen_post("bob", ada_post) is None
    assert (await s.call("bob", NODE, id=story)).ok()["node"] is None
    comments = (await s.call("bob", COMMENTS, id=pid(cat_post))).ok()["post"]["comments"]
    assert [e["node"]["author"]["username"] for e in comments["edges"]] == ["bob"]
    assert (await s.call("bob", COMMENT_NODE, id=ada_comment)).ok()["node"] is None
    following = (await s.profile("bob", "ada"), (await s.profile("bob", "cat")))
    assert following[1] is not None and following[1]["followers"]["edges"] == []
    for mutation, target in ((LIKE, pid(ada_post)), (COMMENT, pid(ada_post))):
        assert (await s.call("bob", mutation, id=target)).codes == ["NOT_FOUND"]
    for mutation in (FOLLOW, BLOCK, UNBLOCK, MUTE, UNMUTE):
        assert (await s.act("bob", mutation, "ada")).codes == ["NOT_FOUND"], mutation

    # ada, the blocker: bob's bare profile (to unblock), nothing of his anywhere else.
    bob = await s.profile("ada", "bob")
    assert bob is not None and bob["viewerHasBlocked"] is True
    assert bob["posts"]["edges"] == bob["followers"]["edges"] == []
    assert (await s.call("ada", SEARCH, q="bo")).ok()["search"]["users"] == []
    comments = (await s.call("ada", COMMENTS, id=pid(cat_post))).ok()["post"]["comments"]
    assert [e["node"]["author"]["username"] for e in comments["edges"]] == ["ada"]
    bob_post = await s.post("bob", "bob's")
    assert await s.seen_post("ada", bob_post) is None
    for mutation, target in ((LIKE, pid(bob_post)), (COMMENT, pid(bob_post))):
        assert (await s.call("ada", mutation, id=target)).codes == ["FORBIDDEN"]
    assert (await s.act("ada", FOLLOW, "bob")).codes == ["FORBIDDEN"]
    blocked = (await s.call("ada", BLOCKED)).ok()["blockedUsers"]
    assert blocked == {"edges": [{"node": {"username": "bob"}}], "pageInfo": {"hasNextPage": False}}

    # Unblocked: both see each other again; follows do not come back by themselves.
    result = (await s.act("ada", UNBLOCK, "bob")).ok()["unblock"]
    assert result == {"username": "bob", "viewerHasBlocked": False}
    assert await s.seen_post("bob", ada_post) is not None
    assert (await s.call("bob", SEARCH, q="ad")).ok()["search"]["users"] == [{"username": "ada"}]
    assert (await s.call("ada", BLOCKED)).ok()["blockedUsers"]["edges"] == []


GRID_COMMENTS = """query($u: String!) { user(username: $u) { posts { edges { node {
  commentCount comments { edges { node { author { username } } } }
} } } } }"""


def _counted(post: dict[str, Any]) -> tuple[int, list[str]]:
    return post["commentCount"], [
        e["node"]["author"]["username"] for e in post["comments"]["edges"]
    ]


async def test_comment_count_leaves_out_what_a_block_hides(
    s: Safety, round_trips: RoundTripMeter
) -> None:
    """commentCount counts the comments the viewer is shown: not those of users blocked
    either way, on a single post and on a page of posts, at no extra round trip."""
    for name in ("ada", "bob", "cat", "dan"):
        await s.user(name)
    first, second = await s.post("cat", "first"), await s.post("cat", "second")
    for name, post in (("ada", first), ("bob", first), ("bob", first), ("cat", first)):
        (await s.call(name, COMMENT, id=pid(post))).ok()
    (await s.call("bob", COMMENT, id=pid(second))).ok()
    await s.block("ada", "bob")

    expected: dict[str | None, list[tuple[int, list[str]]]] = {
        "ada": [(0, []), (2, ["ada", "cat"])],  # the blocker
        "bob": [(1, ["bob"]), (3, ["bob", "bob", "cat"])],  # the blocked one
        "cat": [(1, ["bob"]), (4, ["ada", "bob", "bob", "cat"])],
        None: [(1, ["bob"]), (4, ["ada", "bob", "bob", "cat"])],
    }
    for viewer, (on_second, on_first) in expected.items():
        for post, counted in ((first, on_first), (second, on_second)):
            shown = (await s.call(viewer, COMMENTS, id=pid(post))).ok()["post"]
            assert _counted(shown) == counted, (viewer, post)
        grid = (await s.call(viewer, GRID_COMMENTS, u="cat")).ok()["user"]["posts"]["edges"]
        assert [_counted(e["node"]) for e in grid] == [on_second, on_first], viewer

    cost: dict[str, int] = {}
    for viewer in ("ada", "dan"):  # with blocks, and without
        for query, variables in ((COMMENTS, {"id": pid(first)}), (GRID_COMMENTS, {"u": "cat"})):
            async with round_trips() as spent:
                (await s.call(viewer, query, **variables)).ok()
            cost[f"{viewer} {query[:20]}"] = spent.db
    assert cost["ada " + COMMENTS[:20]] == cost["dan " + COMMENTS[:20]]
    assert cost["ada " + GRID_COMMENTS[:20]] == cost["dan " + GRID_COMMENTS[:20]]

    (await s.act("ada", UNBLOCK, "bob")).ok()
    shown = (await s.call("ada", COMMENTS, id=pid(first))).ok()["post"]
    assert _counted(shown) == (4, ["ada", "bob", "bob", "cat"])


async def test_a_private_post_is_not_confirmed_to_its_blocker(s: Safety) -> None:
    # FORBIDDEN only says what the blocker could see without the block.
    for name in ("ada", "priv"):
        await s.user(name)
    await s.go_private("priv")
    hidden = await s.post("priv", "for followers")
    await s.block("ada", "priv")
    assert (await s.call("ada", LIKE, id=pid(hidden))).codes == ["NOT_FOUND"]


async def test_mute_leaves_the_feed_and_tray_but_not_the_profile(
    s: Safety, gql: GraphQLClient
) -> None:
    for name in ("reader", "writer", "friend"):
        await s.user(name)
    for followee in ("writer", "friend"):
        await s.follow("reader", followee)
    first = await s.post("writer", "w1")
    await s.post("friend", "f1")
    assert await s.captions("reader") == ["f1", "w1"]
    for name in ("writer", "friend"):
        media = await upload(gql, s.tokens[name], media_samples.jpeg(48, 32), "image/jpeg")
        (await s.call(name, CREATE_STORY, m=media)).ok()
    await s.run_jobs()
    story_authors = [author for author, _ in await tray_of(gql, s.tokens["reader"])]
    assert sorted(story_authors) == ["friend", "writer"]

    for _ in range(2):
        result = (await s.act("reader", MUTE, "writer")).ok()["mute"]
        assert result == {"username": "writer", "viewerHasMuted": True}
    assert await s.captions("reader") == ["f1"]
    assert first not in await s.stored_feed("reader")
    second = await s.post("writer", "w2")  # fan-out skips the muter
    assert second not in await s.stored_feed("reader")
    assert await s.captions("reader") == ["f1"]
    assert [author for author, _ in await tray_of(gql, s.tokens["reader"])] == ["friend"]
    profile = await s.profile("reader", "writer")
    assert profile is not None and profile["viewerFollowStatus"] == "FOLLOWING"
    assert [e["node"]["caption"] for e in profile["posts"]["edges"]] == ["w2", "w1"]
    assert await s.seen_post("reader", second) is not None
    # The muted user is not told: nothing they can read differs.
    reader = await s.profile("writer", "reader")
    assert reader is not None and reader["viewerHasMuted"] is False

    (await s.act("reader", UNMUTE, "writer")).ok()
    assert await s.captions("reader") == ["w2", "f1", "w1"]
    assert len(await tray_of(gql, s.tokens["reader"])) == 2


async def test_a_muted_celebrity_is_not_merged_in(s: Safety, tune: Callable[..., None]) -> None:
    tune(celebrity_followers=2)
    for name in ("star", "reader", "fan"):
        await s.user(name)
        if name != "star":
            await s.follow(name, "star")
    await s.post("star", "s1")
    assert await s.captions("reader") == ["s1"]
    await s.mute("reader", "star")
    await s.post("star", "s2")
    assert await s.captions("reader") == []
    assert await s.captions("fan") == ["s2", "s1"]


async def test_feed_updates_leave_out_muted_authors(
    s: Safety, live_url: str, tune: Callable[..., None]
) -> None:
    tune(celebrity_followers=2)
    for name in ("reader", "fan", "muted", "star", "friend"):
        await s.user(name)
    for followee in ("muted", "star", "friend"):
        await s.follow("reader", followee)
    await s.follow("fan", "star")  # two followers: a celebrity
    await s.mute("reader", "muted")
    await s.mute("reader", "star")
    ws = await connect(live_url, s.tokens["reader"])
    async with ws:
        await subscribe(ws, FEED_UPDATES)
        await listening(s.deps, 1, "live:feed:")
        for author in ("muted", "star", "friend"):
            await s.post(author, f"by {author}")
        message: dict[str, Any] = await receive(ws)
        assert message["payload"]["data"]["feedUpdates"] == {"caption": "by friend"}


async def test_blocking_and_muting_need_a_viewer_and_someone_else(s: Safety) -> None:
    await s.user("solo")
    assert (await s.call(None, BLOCK, id=s.ids["solo"])).codes == ["UNAUTHENTICATED"]
    for mutation in (BLOCK, MUTE):
        assert (await s.act("solo", mutation, "solo")).codes == ["BAD_USER_INPUT"]
    missing = global_id.encode("User", 2**40)
    assert (await s.call("solo", BLOCK, id=missing)).codes == ["NOT_FOUND"]
    assert (await s.call(None, BLOCKED)).codes == ["UNAUTHENTICATED"]
