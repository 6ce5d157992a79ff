"""Stories over HTTP with the real worker: creation, processing, who sees them, seen marks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from resolvers.deps import Deps
from schema import global_id
from tests import media_samples
from tests.client import GraphQLClient, create_post, upload
from tests.story_helpers import (
    APPROVE,
    CREATE_STORY,
    FOLLOW,
    GO_PRIVATE,
    MARK_SEEN,
    NODE,
    reels,
    share,
    tray_of,
)

RunJobs = Callable[[], Awaitable[int]]


async def test_story_is_processed_then_shown_to_author_and_followers(
    gql: GraphQLClient, run_jobs: RunJobs
) -> None:
    alice, alice_id = await gql.register("alice")
    bob, _ = await gql.register("bob")
    await gql(FOLLOW, {"id": alice_id}, token=bob)

    story = await share(gql, alice, media_samples.jpeg(800, 600))
    # Returned at once, before any image work.
    assert story["media"]["status"] == "PROCESSING" and story["media"]["url"] is None
    assert story["author"]["username"] == "alice" and story["viewerHasSeen"] is False
    created = datetime.fromisoformat(story["createdAt"])
    assert datetime.fromisoformat(story["expiresAt"]) - created == timedelta(hours=24)
    # The author sees it processing in their own reel; followers only once it is READY.
    assert await tray_of(gql, alice) == [("alice", [story["id"]])]
    assert await reels(gql, bob) == []
    assert (await gql(NODE, {"id": story["id"]}, token=bob)).ok()["node"] is None

    assert await run_jobs() == 1
    for token in (alice, bob):
        [reel] = await reels(gql, token)
        assert reel["author"]["username"] == "alice" and reel["hasUnseen"] is True
        [shown] = reel["stories"]
        assert shown["id"] == story["id"] and shown["media"]["status"] == "READY"
        assert shown["media"]["url"].startswith("http://snapfeed.test/media/")
        response = await gql.http.get(shown["media"]["url"])
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/webp"
        node = (await gql(NODE, {"id": story["id"]}, token=token)).ok()["node"]
        assert node["id"] == story["id"] and node["media"]["status"] == "READY"


async def test_private_accounts_stories_reach_approved_followers_only(
    gql: GraphQLClient, run_jobs: RunJobs
) -> None:
    owner, owner_id = await gql.register("secretive")
    (await gql(GO_PRIVATE, token=owner)).ok()
    approved, approved_id = await gql.register("approved")
    pending, _ = await gql.register("pending")
    stranger, _ = await gql.register("stranger")
    for token in (approved, pending):
        follow = await gql(FOLLOW, {"id": owner_id}, token=token)
        assert follow.ok()["follow"]["status"] == "REQUESTED"
    (await gql(APPROVE, {"id": approved_id}, token=owner)).ok()
    story = await share(gql, owner)
    await run_jobs()

    assert await tray_of(gql, approved) == [("secretive", [story["id"]])]
    assert (await gql(NODE, {"id": story["id"]}, token=approved)).ok()["node"]
    media_node = "query($id: ID!) { node(id: $id) { ... on Media { status } } }"
    shown = await gql(media_node, {"id": story["media"]["id"]}, token=approved)
    assert shown.ok()["node"] == {"status": "READY"}
    for token in (pending, stranger):
        assert await reels(gql, token) == []
        assert (await gql(MARK_SEEN, {"s": story["id"]}, token=token)).codes == ["NOT_FOUND"]
        assert (await gql(NODE, {"id": story["id"]}, token=token)).ok()["node"] is None
        hidden = await gql(media_node, {"id": story["media"]["id"]}, token=token)
        assert hidden.ok()["node"] is None
    assert (await gql(NODE, {"id": story["id"]})).ok()["node"] is None  # signed out


async def test_public_stories_reach_followers_reels_only(
    gql: GraphQLClient, run_jobs: RunJobs
) -> None:
    author, _ = await gql.register("public")
    stranger, _ = await gql.register("stranger")
    story = await share(gql, author)
    await run_jobs()
    # The tray is made of followees; a public story is still reachable by id, like a post.
    assert await reels(gql, stranger) == []
    assert (await gql(NODE, {"id": story["id"]}, token=stranger)).ok()["node"]["id"] == story["id"]
    assert (await gql(NODE, {"id": story["id"]})).ok()["node"]["id"] == story["id"]


async def test_failed_media_story_is_never_shown_to_others(
    gql: GraphQLClient, run_jobs: RunJobs, deps: Deps
) -> None:
    author, author_id = await gql.register("prankster")
    follower, _ = await gql.register("follower")
    await gql(FOLLOW, {"id": author_id}, token=follower)
    story = await share(gql, author, b"this is not an image at all" * 10)
    await run_jobs()

    [reel] = await reels(gql, author)
    [own] = reel["stories"]
    assert own["media"]["status"] == "FAILED" and own["media"]["failureReason"]
    assert await reels(gql, follower) == []
    assert (await gql(NODE, {"id": story["id"]}, token=follower)).ok()["node"] is None
    assert (await gql(MARK_SEEN, {"s": story["id"]}, token=follower)).codes == ["NOT_FOUND"]
    assert [k async for k in deps.objects.iter_keys("media/")] == []


async def test_mark_story_seen_is_idempotent(
    gql: GraphQLClient, run_jobs: RunJobs, deps: Deps
) -> None:
    alice, alice_id = await gql.register("alice")
    bob, _ = await gql.register("bob")
    await gql(FOLLOW, {"id": alice_id}, token=bob)
    first = await share(gql, alice)
    second = await share(gql, alice)
    await run_jobs()

    for _ in range(2):
        seen = (await gql(MARK_SEEN, {"s": first["id"]}, token=bob)).ok()["markStorySeen"]
        assert seen["id"] == first["id"] and seen["viewerHasSeen"] is True
    assert await deps.db.fetchval("SELECT count(*) FROM story_views") == 1
    [reel] = await reels(gql, bob)
    assert [s["viewerHasSeen"] for s in reel["stories"]] == [True, False]
    assert reel["hasUnseen"] is True
    (await gql(MARK_SEEN, {"s": second["id"]}, token=bob)).ok()
    [reel] = await reels(gql, bob)
    assert reel["hasUnseen"] is False
    # Seen marks are per viewer: the author has seen nothing yet.
    [own] = await reels(gql, alice)
    assert own["hasUnseen"] is True


async def test_create_story_media_rules(gql: GraphQLClient) -> None:
    owner, owner_id = await gql.register("owner")
    other, _ = await gql.register("other")
    jpeg = media_samples.jpeg(48, 32)
    theirs = await upload(gql, other, jpeg, "image/jpeg")
    in_story = (await share(gql, owner))["media"]["id"]
    in_post = await upload(gql, owner, jpeg, "image/jpeg")
    (await create_post(gql, owner, [in_post])).ok()
    ticket = await gql(
        'mutation { createUpload(input: {contentType: "image/jpeg", byteSize: 100})'
        " { media { id } } }",
        token=owner,
    )
    never_uploaded = ticket.ok()["createUpload"]["media"]["id"]
    fresh = await upload(gql, owner, jpeg, "image/jpeg")

    cases = [
        (None, fresh, "UNAUTHENTICATED"),
        (owner, global_id.encode("Media", 2**40), "NOT_FOUND"),
        (owner, theirs, "NOT_FOUND"),  # someone else's media looks missing
        (owner, in_story, "CONFLICT"),
        (owner, in_post, "CONFLICT"),
        (owner, never_uploaded, "BAD_USER_INPUT"),
        (owner, owner_id, "BAD_USER_INPUT"),  # not a media id at all
        (owner, "garbage", "BAD_USER_INPUT"),
    ]
    for token, media_id, code in cases:
        result = await gql(CREATE_STORY, {"m": media_id}, token=token)
        assert result.codes == [code], (media_id, code, result.errors)
    # A story's media cannot then go into a post either.
    assert (await create_post(gql, owner, [in_story])).codes == ["CONFLICT"]
    # None of the refused attempts made a story; the fresh upload is still usable.
    assert len(await tray_of(gql, owner)) == 1
    (await gql(CREATE_STORY, {"m": fresh}, token=owner)).ok()
    assert [len(ids) for _, ids in await tray_of(gql, owner)] == [2]


async def test_mark_story_seen_needs_a_viewer_and_a_story_id(gql: GraphQLClient) -> None:
    token, user_id = await gql.register("someone")
    story = await share(gql, token)
    assert (await gql(MARK_SEEN, {"s": story["id"]})).codes == ["UNAUTHENTICATED"]
    assert (await gql(MARK_SEEN, {"s": user_id}, token=token)).codes == ["BAD_USER_INPUT"]
    missing = global_id.encode("Story", 2**40)
    assert (await gql(MARK_SEEN, {"s": missing}, token=token)).codes == ["NOT_FOUND"]
    assert (await gql("{ storyReels { hasUnseen } }")).codes == ["UNAUTHENTICATED"]


async def test_stories_spend_the_post_rate_limit(
    gql: GraphQLClient, tune: Callable[..., None]
) -> None:
    tune(rate_limits="post=1/3600")
    token, _ = await gql.register("eager")
    await share(gql, token)
    media_id = await upload(gql, token, media_samples.jpeg(48, 32), "image/jpeg")
    limited = await gql(CREATE_STORY, {"m": media_id}, token=token)
    assert limited.codes == ["RATE_LIMITED"]
    assert limited.errors[0]["extensions"]["retryAfter"] > 0
    assert (await create_post(gql, token, [media_id])).codes == ["RATE_LIMITED"]
