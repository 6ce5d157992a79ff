"""@mentions: resolved when written, told only to those who may see the post, re-checked."""

from __future__ import annotations

import pytest

from resolvers.deps import Deps
from tests import media_samples
from tests.client import GraphQLClient, create_post, upload
from tests.engagement_helpers import DELETE_COMMENT, RunJobs
from tests.notification_helpers import BLOCK, Activity, summary

POST = "query($id: ID!) { post(id: $id) { caption mentions { username } } }"


@pytest.fixture
def crowd(gql: GraphQLClient, deps: Deps, run_jobs: RunJobs) -> Activity:
    return Activity(gql, deps, run_jobs)


async def _mentions(crowd: Activity, viewer: str, post_id: str) -> list[str]:
    post = (await crowd.call(viewer, POST, id=post_id)).ok()["post"]
    return [u["username"] for u in post["mentions"]]


async def test_a_caption_mentions_users_by_the_username_rules(crowd: Activity) -> None:
    for name in ("author", "ada", "bob", "ada.b"):
        await crowd.user(name)
    caption = "With @Ada, @bob. and @ada.b! Not @nobody, not me@ada.com, not @ab"
    post_id = await crowd.publish("author", caption)
    post = (await crowd.call("author", POST, id=post_id)).ok()["post"]
    assert post["caption"] == caption  # kept as written
    assert [u["username"] for u in post["mentions"]] == ["ada", "bob", "ada.b"]
    for name in ("ada", "bob", "ada.b"):
        [note] = await crowd.notifications(name)
        assert summary([note]) == [("MENTION", 1, ["author"])]
        assert note["post"] == {"id": post_id, "caption": caption}
        assert note["comment"] is None


async def test_mentions_are_told_once_the_post_is_published(crowd: Activity) -> None:
    for name in ("author", "ada"):
        await crowd.user(name)
    token = crowd.tokens["author"]
    media_id = await upload(crowd.gql, token, media_samples.jpeg(64, 48), "image/jpeg")
    (await create_post(crowd.gql, token, [media_id], caption="hi @ada")).ok()
    assert await crowd.notifications("ada") == []  # still PROCESSING: she could not see it
    await crowd.run_jobs()
    assert summary(await crowd.notifications("ada")) == [("MENTION", 1, ["author"])]


async def test_a_mention_of_someone_who_may_not_see_the_post_tells_nobody(
    crowd: Activity,
) -> None:
    for name in ("private", "follower", "stranger"):
        await crowd.user(name)
    await crowd.make_private("private")
    await crowd.follow("follower", "private")
    await crowd.approve("private", "follower")
    post_id = await crowd.publish("private", "@follower @stranger")
    assert await _mentions(crowd, "private", post_id) == ["follower", "stranger"]
    assert summary(await crowd.notifications("follower")) == [
        ("MENTION", 1, ["private"]),
        ("FOLLOW_ACCEPTED", 1, ["private"]),
    ]
    assert await crowd.notifications("stranger") == []


async def test_a_mention_hidden_since_disappears_at_read(crowd: Activity) -> None:
    for name in ("author", "ada"):
        await crowd.user(name)
    await crowd.publish("author", "hello @ada")
    assert len(await crowd.notifications("ada")) == 1
    await crowd.make_private("author")  # ada does not follow: the post is hidden from her
    assert await crowd.notifications("ada") == []
    assert await crowd.unread("ada") == 0
    unmake = "mutation { updateProfile(input: {isPrivate: false}) { id } }"
    (await crowd.call("author", unmake)).ok()
    assert len(await crowd.notifications("ada")) == 1


async def test_blocked_users_are_not_mentioned_nor_listed(crowd: Activity) -> None:
    for name in ("author", "ada", "bob", "eve"):
        await crowd.user(name)
    (await crowd.call("ada", BLOCK, id=crowd.ids["author"])).ok()
    post_id = await crowd.publish("author", "@ada @bob")
    assert await _mentions(crowd, "author", post_id) == ["bob"]  # ada cannot be mentioned
    assert await crowd.notifications("ada") == []
    (await crowd.call("eve", BLOCK, id=crowd.ids["bob"])).ok()
    assert await _mentions(crowd, "eve", post_id) == []  # eve does not see bob listed


async def test_comment_mentions(crowd: Activity) -> None:
    for name in ("author", "ada", "bob"):
        await crowd.user(name)
    post_id = await crowd.share("author", "p")
    comment_id = await crowd.comment("bob", post_id, "@ada look! cc @author")
    [note] = await crowd.notifications("ada")
    assert summary([note]) == [("MENTION", 1, ["bob"])]
    assert note["comment"] == {"id": comment_id, "body": "@ada look! cc @author"}
    # The post's author hears of the comment, once.
    assert summary(await crowd.notifications("author")) == [("COMMENT", 1, ["bob"])]
    (await crowd.call("bob", DELETE_COMMENT, id=comment_id)).ok()
    assert await crowd.notifications("ada") == []
    assert await crowd.notifications("author") == []


async def test_a_blocked_actor_leaves_folded_notifications(crowd: Activity) -> None:
    for name in ("author", "ada", "bob"):
        await crowd.user(name)
    post_id = await crowd.share("author", "p")
    await crowd.like("ada", post_id)
    await crowd.like("bob", post_id)
    assert summary(await crowd.notifications("author")) == [("LIKE", 2, ["bob", "ada"])]
    (await crowd.call("author", BLOCK, id=crowd.ids["bob"])).ok()
    assert summary(await crowd.notifications("author")) == [("LIKE", 1, ["ada"])]
    (await crowd.call("author", BLOCK, id=crowd.ids["ada"])).ok()
    assert await crowd.notifications("author") == []
    assert await crowd.unread("author") == 0
