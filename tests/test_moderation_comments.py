"""Moderators delete reported comments with deleteComment: reports closed, the action audited,
and nobody else gains a way to delete or probe comments."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from resolvers.deps import Deps
from schema import global_id
from tests.client import GraphQLClient
from tests.safety_helpers import REPORT_COMMENT, Safety

RunJobs = Callable[[], Awaitable[int]]

COMMENT = "mutation($id: ID!, $body: String!) { addComment(postId: $id, body: $body) { id } }"
DELETE = "mutation($id: ID!) { deleteComment(id: $id) }"
COMMENTS = """query($id: ID!) { post(id: $id) {
  commentCount comments { edges { node { body } } }
} }"""
QUEUE = "{ moderationQueue { edges { node { reason post { caption } comment { body } } } } }"


@pytest.fixture
def s(gql: GraphQLClient, deps: Deps, run_jobs: RunJobs) -> Safety:
    return Safety(gql, deps, run_jobs)


def pid(post_id: int) -> str:
    return global_id.encode("Post", post_id)


async def _comment(s: Safety, name: str, post: int, body: str) -> str:
    comment_id: str = (await s.call(name, COMMENT, id=pid(post), body=body)).ok()["addComment"][
        "id"
    ]
    return comment_id


async def _audit(s: Safety) -> list[dict[str, Any]]:
    rows = await s.deps.db.fetch(
        "SELECT moderator_id, post_id, action, note, status_before, status_after,"
        " reports_closed, comment_id, comment_author_id FROM moderation_actions ORDER BY id"
    )
    return [dict(r) for r in rows]


def _raw(comment_id: str) -> int:
    decoded = global_id.decode(comment_id)
    assert decoded is not None
    return decoded[1]


async def test_a_moderator_deletes_a_reported_comment(s: Safety) -> None:
    for name in ("mod", "author", "troll", "rep1", "rep2", "stranger"):
        await s.user(name)
    await s.grant_moderator("mod")
    post = await s.post("author", "calm")
    rude = await _comment(s, "troll", post, "rude")
    fine = await _comment(s, "troll", post, "fine")
    for reporter in ("rep1", "rep2"):
        (await s.call(reporter, REPORT_COMMENT, id=rude, reason="HARASSMENT")).ok()
    (await s.report("rep1", post, "SPAM")).ok()  # the post's own report stays open

    # Nobody else gained anything: a stranger is still FORBIDDEN, the reporters too.
    for name in ("stranger", "rep1"):
        assert (await s.call(name, DELETE, id=rude)).codes == ["FORBIDDEN"]

    assert (await s.call("mod", DELETE, id=rude)).ok() == {"deleteComment": True}
    shown = (await s.call("author", COMMENTS, id=pid(post))).ok()["post"]
    assert shown == {"commentCount": 1, "comments": {"edges": [{"node": {"body": "fine"}}]}}
    queue = (await s.call("mod", QUEUE)).ok()["moderationQueue"]["edges"]
    assert [(e["node"]["reason"], e["node"]["comment"]) for e in queue] == [("SPAM", None)]
    assert await _audit(s) == [
        {
            "moderator_id": s.raw_id("mod"),
            "post_id": post,
            "action": "delete_comment",
            "note": None,
            "status_before": "published",
            "status_after": "published",
            "reports_closed": 2,
            "comment_id": _raw(rude),
            "comment_author_id": s.raw_id("troll"),
        }
    ]
    assert (await s.call("mod", DELETE, id=rude)).codes == ["NOT_FOUND"]  # gone

    # Their own comment, or one on their own post: an ordinary delete, not audited.
    own_post = await s.post("mod", "mine")
    on_own = await _comment(s, "troll", own_post, "on the moderator's post")
    mine = await _comment(s, "mod", post, "the moderator's own")
    for comment in (on_own, mine):
        assert (await s.call("mod", DELETE, id=comment)).ok() == {"deleteComment": True}
    assert len(await _audit(s)) == 1

    # Revoked: back to FORBIDDEN.
    assert await s.deps.db.execute(
        "UPDATE users SET is_moderator = false WHERE id = $1", s.raw_id("mod")
    )
    assert (await s.call("mod", DELETE, id=fine)).codes == ["FORBIDDEN"]
    assert len(await _audit(s)) == 1


async def test_privacy_and_blocks_do_not_hide_a_comment_from_moderators(s: Safety) -> None:
    for name in ("mod", "author", "fan", "stranger"):
        await s.user(name)
    await s.grant_moderator("mod")
    await s.go_private("author")
    await s.follow("fan", "author")
    await s.approve("author", "fan")
    post = await s.post("author", "followers only")
    comment = await _comment(s, "fan", post, "rude")
    await s.block("author", "mod")
    await s.block("fan", "mod")

    # Strangers still learn nothing about a private post's comments.
    assert (await s.call("stranger", DELETE, id=comment)).codes == ["NOT_FOUND"]
    assert (await s.call("mod", DELETE, id=comment)).ok() == {"deleteComment": True}
    [action] = await _audit(s)
    assert (action["action"], action["reports_closed"], action["comment_author_id"]) == (
        "delete_comment",
        0,
        s.raw_id("fan"),
    )
    count = (await s.call("author", COMMENTS, id=pid(post))).ok()["post"]["commentCount"]
    assert count == 0


async def test_moderators_cannot_reach_comments_of_deleted_posts(s: Safety) -> None:
    for name in ("mod", "author", "fan"):
        await s.user(name)
    await s.grant_moderator("mod")
    post = await s.post("author", "soon gone")
    comment = await _comment(s, "fan", post, "hi")
    deleted = "mutation($id: ID!) { deletePost(id: $id) }"
    (await s.call("author", deleted, id=pid(post))).ok()
    assert (await s.call("mod", DELETE, id=comment)).codes == ["NOT_FOUND"]
    assert await _audit(s) == []
