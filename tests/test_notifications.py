"""Notifications: what each kind folds, undo, and nobody told of their own doings."""

from __future__ import annotations

import pytest

from resolvers.deps import Deps
from schema import global_id
from storage import moderation
from tests.client import GraphQLClient, create_post, upload
from tests.engagement_helpers import DELETE_COMMENT, RunJobs
from tests.notification_helpers import BLOCK, UNFOLLOW, Activity, summary


@pytest.fixture
def crowd(gql: GraphQLClient, deps: Deps, run_jobs: RunJobs) -> Activity:
    return Activity(gql, deps, run_jobs)


async def test_likes_fold_per_post_newest_first(crowd: Activity) -> None:
    for name in ("author", "ada", "bob", "cyd"):
        await crowd.user(name)
    first = await crowd.share("author", "first")
    second = await crowd.share("author", "second")
    for name in ("ada", "bob", "cyd", "author"):  # the author's own like tells nobody
        await crowd.like(name, first)
    await crowd.like("bob", second)
    notes = await crowd.notifications("author")
    assert summary(notes) == [
        ("LIKE", 1, ["bob"]),
        ("LIKE", 3, ["cyd", "bob", "ada"]),
    ]
    assert [n["post"]["caption"] for n in notes] == ["second", "first"]
    assert notes[0]["createdAt"] > notes[1]["createdAt"]  # the time of the newest like
    assert await crowd.unread("author") == 2
    assert await crowd.notifications("ada") == []


async def test_a_like_after_the_notification_was_read_starts_a_new_one(crowd: Activity) -> None:
    for name in ("author", "ada", "bob"):
        await crowd.user(name)
    post = await crowd.share("author", "p")
    await crowd.like("ada", post)
    await crowd.fold()
    assert (await crowd.call("author", "mutation { markNotificationsRead }")).ok() == {
        "markNotificationsRead": 1
    }
    await crowd.like("bob", post)
    notes = await crowd.notifications("author")
    assert [(n["kind"], n["read"], n["actorCount"]) for n in notes] == [
        ("LIKE", False, 1),
        ("LIKE", True, 1),
    ]
    assert [n["actors"][0]["username"] for n in notes] == ["bob", "ada"]


async def test_unlikes_take_actors_out_and_an_empty_notification_disappears(
    crowd: Activity,
) -> None:
    for name in ("author", "ada", "bob"):
        await crowd.user(name)
    post = await crowd.share("author", "p")
    await crowd.like("ada", post)
    await crowd.like("bob", post)
    assert summary(await crowd.notifications("author")) == [("LIKE", 2, ["bob", "ada"])]
    await crowd.unlike("bob", post)
    assert summary(await crowd.notifications("author")) == [("LIKE", 1, ["ada"])]
    await crowd.unlike("ada", post)
    assert await crowd.notifications("author") == []
    assert await crowd.unread("author") == 0
    # Liked and unliked before any fold: nothing ever shows.
    await crowd.like("bob", post)
    await crowd.unlike("bob", post)
    assert await crowd.notifications("author") == []
    count = await crowd.deps.db.fetchval("SELECT count(*) FROM notifications")
    assert count == 0


async def test_comments_fold_per_post_and_deleted_ones_leave(crowd: Activity) -> None:
    for name in ("author", "ada", "bob"):
        await crowd.user(name)
    post = await crowd.share("author", "p")
    await crowd.comment("ada", post, "ada one")
    await crowd.comment("bob", post, "bob one")
    ada_two = await crowd.comment("ada", post, "ada two")
    await crowd.comment("author", post, "thanks!")  # the author's own comment tells nobody
    [note] = await crowd.notifications("author")
    assert summary([note]) == [("COMMENT", 2, ["ada", "bob"])]
    assert note["comment"]["body"] == "ada two"  # the newest actor's newest comment
    # ada still has a comment there: she stays, shown with the one left.
    (await crowd.call("ada", DELETE_COMMENT, id=ada_two)).ok()
    [note] = await crowd.notifications("author")
    assert summary([note]) == [("COMMENT", 2, ["ada", "bob"])]
    assert note["comment"]["body"] == "ada one"
    # bob's only comment, deleted by the post's author: bob leaves.
    bob_id = await crowd.deps.db.fetchval("SELECT id FROM comments WHERE body = 'bob one'")
    bob_comment = global_id.encode("Comment", bob_id)
    (await crowd.call("author", DELETE_COMMENT, id=bob_comment)).ok()
    assert summary(await crowd.notifications("author")) == [("COMMENT", 1, ["ada"])]


async def test_follows_fold_per_day_and_unfollows_leave(crowd: Activity) -> None:
    for name in ("star", "ada", "bob", "cyd"):
        await crowd.user(name)
    for name in ("ada", "bob", "cyd"):
        await crowd.follow(name, "star")
    assert summary(await crowd.notifications("star")) == [("FOLLOW", 3, ["cyd", "bob", "ada"])]
    (await crowd.call("bob", UNFOLLOW, id=crowd.ids["star"])).ok()
    assert summary(await crowd.notifications("star")) == [("FOLLOW", 2, ["cyd", "ada"])]
    # A follow folded on another (UTC) day is another notification.
    await crowd.user("dee")
    await crowd.follow("dee", "star")
    await crowd.deps.db.execute(
        "UPDATE follows SET created_at = created_at - interval '1 day' WHERE follower_id = $1",
        crowd.raw_id("dee"),
    )
    assert summary(await crowd.notifications("star")) == [
        ("FOLLOW", 2, ["cyd", "ada"]),
        ("FOLLOW", 1, ["dee"]),
    ]


async def test_follow_requests_acceptance_and_rejection(crowd: Activity) -> None:
    for name in ("private", "ada", "bob"):
        await crowd.user(name)
    await crowd.make_private("private")
    assert await crowd.follow("ada", "private") == "REQUESTED"
    assert await crowd.follow("bob", "private") == "REQUESTED"
    assert summary(await crowd.notifications("private")) == [
        ("FOLLOW_REQUEST", 1, ["bob"]),
        ("FOLLOW_REQUEST", 1, ["ada"]),
    ]
    await crowd.approve("private", "ada")
    reject = "mutation($id: ID!) { rejectFollowRequest(userId: $id) { id } }"
    (await crowd.call("private", reject, id=crowd.ids["bob"])).ok()
    # The request became a follow; the rejected one is gone; ada hears she was accepted.
    assert summary(await crowd.notifications("private")) == [("FOLLOW", 1, ["ada"])]
    assert summary(await crowd.notifications("ada")) == [("FOLLOW_ACCEPTED", 1, ["private"])]
    assert await crowd.notifications("bob") == []
    # A withdrawn request leaves too.
    await crowd.follow("bob", "private")
    (await crowd.call("bob", UNFOLLOW, id=crowd.ids["private"])).ok()
    assert summary(await crowd.notifications("private")) == [("FOLLOW", 1, ["ada"])]


async def test_published_and_failed_posts_tell_their_author(crowd: Activity) -> None:
    await crowd.user("author")
    await crowd.publish("author", "hello")
    token = crowd.tokens["author"]
    media_id = await upload(crowd.gql, token, b"not an image at all", "image/jpeg")
    (await create_post(crowd.gql, token, [media_id], caption="broken")).ok()
    await crowd.run_jobs()
    notes = await crowd.notifications("author")
    assert [(n["kind"], n["actorCount"], n["actors"], n["post"]["caption"]) for n in notes] == [
        ("POST_FAILED", 0, [], "broken"),
        ("POST_PUBLISHED", 0, [], "hello"),
    ]


async def test_a_removed_post_tells_its_author_and_a_restore_takes_it_back(
    crowd: Activity,
) -> None:
    for name in ("author", "mod"):
        await crowd.user(name)
    assert await moderation.set_moderator(crowd.deps.db, "mod", moderator=True)
    post = await crowd.share("author", "p")
    moderate = """mutation($id: ID!, $action: ModerationAction!) {
      moderatePost(postId: $id, action: $action, note: "spam") { status } }"""
    (await crowd.call("mod", moderate, id=post, action="REMOVE")).ok()
    notes = await crowd.notifications("author")
    assert [(n["kind"], n["actors"], n["post"]["caption"]) for n in notes] == [
        ("POST_REMOVED", [], "p")
    ]
    (await crowd.call("mod", moderate, id=post, action="RESTORE")).ok()
    assert await crowd.notifications("author") == []
    assert await crowd.notifications("mod") == []  # nobody hears of their own doings


async def test_a_block_takes_the_follows_it_drops_out(crowd: Activity) -> None:
    for name in ("star", "ada", "bob"):
        await crowd.user(name)
    await crowd.follow("ada", "star")
    await crowd.follow("bob", "star")
    assert summary(await crowd.notifications("star")) == [("FOLLOW", 2, ["bob", "ada"])]
    (await crowd.call("star", BLOCK, id=crowd.ids["ada"])).ok()
    unblock = "mutation($id: ID!) { unblock(userId: $id) { id } }"
    (await crowd.call("star", unblock, id=crowd.ids["ada"])).ok()
    # Unblocked, ada's follow is gone (blocks drop follows), and so is its notification.
    assert summary(await crowd.notifications("star")) == [("FOLLOW", 1, ["bob"])]


async def test_notification_ids_are_the_recipients_only(crowd: Activity) -> None:
    for name in ("author", "ada", "eve"):
        await crowd.user(name)
    post = await crowd.share("author", "p")
    await crowd.like("ada", post)
    [note] = await crowd.notifications("author")
    query = "query($id: ID!) { node(id: $id) { ... on Notification { kind actorCount } } }"
    assert (await crowd.call("author", query, id=note["id"])).ok() == {
        "node": {"kind": "LIKE", "actorCount": 1}
    }
    assert (await crowd.call("eve", query, id=note["id"])).ok() == {"node": None}
    mark = "mutation($upTo: ID) { markNotificationsRead(upTo: $upTo) }"
    result = await crowd.call("eve", mark, upTo=note["id"])
    assert result.codes == ["NOT_FOUND"]
    assert await crowd.unread("author") == 1


@pytest.mark.parametrize(
    "operation",
    [
        "{ notifications { edges { node { id } } } }",
        "{ unreadNotificationCount }",
        "mutation { markNotificationsRead }",
    ],
)
async def test_the_activity_tab_needs_a_signed_in_viewer(
    gql: GraphQLClient, operation: str
) -> None:
    result = await gql(operation)
    assert result.codes == ["UNAUTHENTICATED"]
