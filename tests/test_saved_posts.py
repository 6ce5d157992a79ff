"""Saved posts: idempotent, rate limited, newest saved first, the saver's only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from resolvers.deps import Deps
from tests.client import GraphQLClient
from tests.engagement_helpers import Crowd, RunJobs
from tests.notification_helpers import BLOCK

SAVE = "mutation($id: ID!) { savePost(postId: $id) { id viewerHasSaved } }"
UNSAVE = "mutation($id: ID!) { unsavePost(postId: $id) { id viewerHasSaved } }"
SAVED = """query($first: Int, $after: String) { savedPosts(first: $first, after: $after) {
  edges { node { caption viewerHasSaved } } pageInfo { hasNextPage endCursor }
} }"""
HAS_SAVED = "query($id: ID!) { post(id: $id) { viewerHasSaved } }"


@pytest.fixture
def crowd(gql: GraphQLClient, deps: Deps, run_jobs: RunJobs) -> Crowd:
    return Crowd(gql, deps, run_jobs)


async def _saved(crowd: Crowd, name: str, first: int = 20) -> list[str]:
    data: dict[str, Any] = (await crowd.call(name, SAVED, first=first)).ok()["savedPosts"]
    assert all(e["node"]["viewerHasSaved"] for e in data["edges"])
    return [e["node"]["caption"] for e in data["edges"]]


async def test_save_and_unsave_are_idempotent_and_newest_saved_comes_first(
    crowd: Crowd,
) -> None:
    for name in ("author", "saver", "other"):
        await crowd.user(name)
    posts = [await crowd.share("author", f"p{i}") for i in range(3)]
    for post in (posts[1], posts[0], posts[2], posts[1]):  # saving again keeps its place
        assert (await crowd.call("saver", SAVE, id=post)).ok()["savePost"]["viewerHasSaved"]
    assert await _saved(crowd, "saver") == ["p2", "p0", "p1"]
    assert (await crowd.call("saver", HAS_SAVED, id=posts[0])).ok()["post"]["viewerHasSaved"]
    # Only the saver: to anyone else the post is unsaved and their list empty.
    assert not (await crowd.call("other", HAS_SAVED, id=posts[0])).ok()["post"]["viewerHasSaved"]
    assert not (await crowd.call(None, HAS_SAVED, id=posts[0])).ok()["post"]["viewerHasSaved"]
    assert await _saved(crowd, "other") == []
    assert (await crowd.call(None, SAVED)).codes == ["UNAUTHENTICATED"]
    for _ in range(2):
        result = (await crowd.call("saver", UNSAVE, id=posts[0])).ok()["unsavePost"]
        assert result["viewerHasSaved"] is False
    assert await _saved(crowd, "saver") == ["p2", "p1"]


async def test_saved_posts_page_by_cursor(crowd: Crowd) -> None:
    for name in ("author", "saver"):
        await crowd.user(name)
    for i in range(5):
        (await crowd.call("saver", SAVE, id=await crowd.share("author", f"p{i}"))).ok()
    seen: list[str] = []
    after = None
    while True:
        data = (await crowd.call("saver", SAVED, first=2, after=after)).ok()["savedPosts"]
        seen += [e["node"]["caption"] for e in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert seen == ["p4", "p3", "p2", "p1", "p0"]


async def test_a_post_deleted_or_hidden_from_the_saver_leaves_the_list(crowd: Crowd) -> None:
    for name in ("author", "other", "saver"):
        await crowd.user(name)
    kept = await crowd.share("author", "kept")
    deleted = await crowd.share("author", "deleted")
    hidden = await crowd.share("other", "hidden")
    for post in (kept, deleted, hidden):
        (await crowd.call("saver", SAVE, id=post)).ok()
    (await crowd.call("author", "mutation($id: ID!) { deletePost(id: $id) }", id=deleted)).ok()
    await crowd.make_private("other")
    assert await _saved(crowd, "saver") == ["kept"]
    (await crowd.call("author", BLOCK, id=crowd.ids["saver"])).ok()
    assert await _saved(crowd, "saver") == []
    # Visible again: back in its place.
    (await crowd.call("other", "mutation { updateProfile(input: {isPrivate: false}) { id } }")).ok()
    assert await _saved(crowd, "saver") == ["hidden"]


async def test_a_post_the_viewer_may_not_see_cannot_be_saved(crowd: Crowd) -> None:
    for name in ("private", "stranger"):
        await crowd.user(name)
    post = await crowd.share("private", "secret")
    await crowd.make_private("private")
    assert (await crowd.call("stranger", SAVE, id=post)).codes == ["NOT_FOUND"]
    assert (await crowd.call(None, SAVE, id=post)).codes == ["UNAUTHENTICATED"]


async def test_saving_is_rate_limited(crowd: Crowd, tune: Callable[..., None]) -> None:
    tune(rate_limits="save=2/3600")
    for name in ("author", "saver"):
        await crowd.user(name)
    post = await crowd.share("author", "p")
    (await crowd.call("saver", SAVE, id=post)).ok()
    (await crowd.call("saver", UNSAVE, id=post)).ok()
    result = await crowd.call("saver", SAVE, id=post)
    assert result.codes == ["RATE_LIMITED"]
    assert await _saved(crowd, "saver") == []
