"""Reports, flagging, the moderation queue and moderators' actions, over HTTP and WebSocket."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from resolvers.deps import Deps
from schema import global_id
from server import cli
from storage.settings import Settings
from tests.client import GraphQLClient
from tests.safety_helpers import REPORT_COMMENT, Safety, connect, listening, receive, subscribe

RunJobs = Callable[[], Awaitable[int]]

EXPLORE = "{ explore(first: 50) { edges { node { caption } } } }"
HASHTAG = """query($n: String!) { hashtag(name: $n) {
  postCount posts { edges { node { caption } } }
} }"""
SEARCH = "query($q: String!) { search(query: $q) { hashtags { name postCount } } }"
QUEUE = """query($first: Int, $after: String) { moderationQueue(first: $first, after: $after) {
  edges { cursor node {
    id reason note createdAt reporter { username }
    post { id status caption } comment { body }
  } }
  pageInfo { hasNextPage endCursor }
} }"""
REPORT_NODE = "query($id: ID!) { node(id: $id) { ... on Report { reason } } }"
POST_UPDATED = "subscription($id: ID!) { postUpdated(id: $id) { status moderationNote } }"
COMMENT = 'mutation($id: ID!) { addComment(postId: $id, body: "rude") { id } }'


@pytest.fixture
def s(gql: GraphQLClient, deps: Deps, run_jobs: RunJobs) -> Safety:
    return Safety(gql, deps, run_jobs)


def pid(post_id: int) -> str:
    return global_id.encode("Post", post_id)


async def _crowd(s: Safety, *names: str) -> None:
    for name in names:
        await s.user(name)


async def discovered(s: Safety, viewer: str) -> dict[str, Any]:
    """What discovery shows the viewer of the tag #tagged: explore, hashtag, search."""
    explore = (await s.call(viewer, EXPLORE)).ok()["explore"]["edges"]
    tag = (await s.call(viewer, HASHTAG, n="tagged")).ok()["hashtag"]
    found = (await s.call(viewer, SEARCH, q="#tagged")).ok()["search"]["hashtags"]
    return {
        "explore": [e["node"]["caption"] for e in explore],
        "hashtag": None if tag is None else [e["node"]["caption"] for e in tag["posts"]["edges"]],
        "count": None if tag is None else tag["postCount"],
        "search": [(t["name"], t["postCount"]) for t in found],
    }


async def test_reports_are_idempotent_rate_limited_and_only_of_what_one_sees(
    s: Safety, tune: Callable[..., None]
) -> None:
    await _crowd(s, "author", "priv", "rep1", "rep2")
    post = await s.post("author", "hello")
    await s.go_private("priv")
    hidden = await s.post("priv", "followers only")
    tune(rate_limits="report=3/3600")
    for _ in range(2):
        assert (await s.report("rep1", post, "SPAM", "twice")).ok()["reportPost"] is True
    assert await s.deps.db.fetchval("SELECT count(*) FROM reports") == 1
    assert (await s.report("rep1", hidden)).codes == ["NOT_FOUND"]  # not visible: not reportable
    result = await s.report("rep1", post)
    assert result.codes == ["RATE_LIMITED"] and result.errors[0]["extensions"]["retryAfter"] > 0
    assert (await s.report("author", post)).codes == ["BAD_USER_INPUT"]
    assert (await s.report("rep2", post, note="x" * 501)).codes == ["BAD_USER_INPUT"]
    assert (await s.report("rep2", 2**40)).codes == ["NOT_FOUND"]
    assert (
        await s.call(
            None, "mutation($id: ID!) { reportPost(postId: $id, reason: SPAM) }", id=pid(post)
        )
    ).codes == ["UNAUTHENTICATED"]


async def test_enough_reporters_flag_a_post_out_of_discovery_at_once(
    s: Safety, tune: Callable[..., None]
) -> None:
    tune(flag_threshold=3)
    await _crowd(s, "author", "fan", "rep1", "rep2", "rep3", "looker")
    await s.follow("fan", "author")
    post = await s.publish("author", "look #tagged")
    await s.publish("author", "calm #tagged")
    before = await discovered(s, "looker")  # ranks explore's snapshot with both posts in it
    assert before == {
        "explore": ["calm #tagged", "look #tagged"],
        "hashtag": ["calm #tagged", "look #tagged"],
        "count": 2,
        "search": [("tagged", 2)],
    }
    for reporter in ("rep1", "rep2"):
        (await s.report(reporter, post)).ok()
    (await s.report("rep1", post)).ok()  # the same reporter again counts once
    assert await s.status(post) == "published"
    assert await discovered(s, "looker") == before

    (await s.report("rep3", post)).ok()
    assert await s.status(post) == "flagged"
    after = {"explore": ["calm #tagged"], "hashtag": ["calm #tagged"], "count": 1}
    assert await discovered(s, "looker") == {**after, "search": [("tagged", 1)]}
    # Followers still see it (as PUBLISHED: reports are not their news); strangers do not;
    # its author sees FLAGGED.
    assert "look #tagged" in await s.captions("fan")
    seen = await s.seen_post("fan", post)
    assert seen is not None and seen["status"] == "PUBLISHED"
    assert await s.seen_post("looker", post) is None
    assert await s.seen_post(None, post) is None
    mine = await s.seen_post("author", post)
    assert mine is not None and mine["status"] == "FLAGGED"


async def test_moderators_are_made_with_the_cli_and_only_they_see_the_queue(
    s: Safety, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _crowd(s, "mod", "author", "rep1", "rep2")
    assert settings.database_url
    monkeypatch.setenv("SNAPFEED_DATABASE_URL", settings.database_url)

    def run(*argv: str) -> int:
        return cli.main(list(argv))

    assert await asyncio.to_thread(run, "users", "grant-moderator", "MOD") == 0
    assert await asyncio.to_thread(run, "users", "grant-moderator", "nobody") == 1
    assert (await s.profile(None, "mod") or {})["isModerator"] is True
    first = await s.post("author", "first")
    second = await s.post("author", "second")
    (await s.report("rep2", second, "HATE")).ok()
    (await s.report("rep1", first, "NUDITY", "  why  ")).ok()
    comment = (await s.call("author", COMMENT, id=pid(first))).ok()["addComment"]["id"]
    (await s.call("rep2", REPORT_COMMENT, id=comment, reason="HARASSMENT")).ok()

    for viewer, code in ((None, "UNAUTHENTICATED"), ("rep1", "FORBIDDEN"), ("author", "FORBIDDEN")):
        assert (await s.call(viewer, QUEUE)).codes == [code]
    page = (await s.call("mod", QUEUE, first=2)).ok()["moderationQueue"]
    assert [
        (e["node"]["reporter"]["username"], e["node"]["reason"], e["node"]["post"]["caption"])
        for e in page["edges"]
    ] == [("rep2", "HATE", "second"), ("rep1", "NUDITY", "first")]  # oldest first
    assert page["edges"][1]["node"]["note"] == "why"
    assert page["pageInfo"]["hasNextPage"] is True
    rest = (await s.call("mod", QUEUE, after=page["pageInfo"]["endCursor"])).ok()
    [last] = rest["moderationQueue"]["edges"]
    assert last["node"]["comment"] == {"body": "rude"}
    assert last["node"]["post"]["caption"] == "first"
    report_id = last["node"]["id"]
    assert (await s.call("mod", REPORT_NODE, id=report_id)).ok()["node"] == {"reason": "HARASSMENT"}
    assert (await s.call("rep2", REPORT_NODE, id=report_id)).ok()["node"] is None
    assert (await s.moderate("rep1", first, "REMOVE")).codes == ["FORBIDDEN"]

    assert await asyncio.to_thread(run, "users", "revoke-moderator", "mod") == 0
    assert (await s.call("mod", QUEUE)).codes == ["FORBIDDEN"]


async def test_remove_restore_and_dismiss(s: Safety, live_url: str) -> None:
    await _crowd(s, "mod", "author", "fan", "rep1")
    await s.grant_moderator("mod")
    await s.follow("fan", "author")
    post = await s.publish("author", "bad #tagged")
    (await s.report("rep1", post, "VIOLENCE")).ok()
    comment = (await s.call("fan", COMMENT, id=pid(post))).ok()["addComment"]["id"]
    (await s.call("rep1", REPORT_COMMENT, id=comment, reason="SPAM")).ok()

    author_ws, fan_ws = (
        await connect(live_url, s.tokens["author"]),
        await connect(live_url, s.tokens["fan"]),
    )
    async with author_ws, fan_ws:
        for ws in (author_ws, fan_ws):
            await subscribe(ws, POST_UPDATED, {"id": pid(post)})
        await listening(s.deps, 1, f"live:post:{post}")
        await asyncio.sleep(0.05)  # both sockets subscribed; one Redis channel serves both
        removed = (await s.moderate("mod", post, "REMOVE", "graphic violence")).ok()
        assert removed["moderatePost"] == {
            "id": pid(post),
            "status": "REMOVED",
            "moderationNote": "graphic violence",
        }
        update = await receive(author_ws)
        assert update["payload"]["data"]["postUpdated"] == {
            "status": "REMOVED",
            "moderationNote": "graphic violence",
        }
        assert (await receive(fan_ws))["type"] == "complete"  # hidden: the stream ends

    # Hidden everywhere but to its author.
    assert await s.seen_post("fan", post) is None
    assert "bad #tagged" not in await s.captions("fan")
    assert await s.captions("author") == ["bad #tagged"]
    author_view = await s.seen_post("author", post)
    assert author_view == {
        "id": pid(post),
        "status": "REMOVED",
        "caption": "bad #tagged",
        "moderationNote": "graphic violence",
    }
    grid = (await s.profile("fan", "author") or {})["posts"]["edges"]
    assert grid == []
    assert (await s.call("fan", HASHTAG, n="tagged")).ok()["hashtag"] is None
    assert (await s.call("mod", QUEUE)).ok()["moderationQueue"]["edges"] == []
    assert (
        await s.call("fan", "mutation($id: ID!) { likePost(postId: $id) { id } }", id=pid(post))
    ).codes == ["NOT_FOUND"]

    restored = (await s.moderate("mod", post, "RESTORE")).ok()["moderatePost"]
    assert restored["status"] == "PUBLISHED" and restored["moderationNote"] is None
    assert "bad #tagged" in await s.captions("fan")
    tag = (await s.call("fan", HASHTAG, n="tagged")).ok()["hashtag"]
    assert tag["postCount"] == 1

    for reporter in ("rep1",):
        await s.deps.db.execute("DELETE FROM reports")
        (await s.report(reporter, post)).ok()
    await s.deps.db.execute("UPDATE posts SET status = 'flagged' WHERE id = $1", post)
    dismissed = (await s.moderate("mod", post, "DISMISS", "fine")).ok()["moderatePost"]
    assert dismissed["status"] == "PUBLISHED"
    assert (await s.call("mod", QUEUE)).ok()["moderationQueue"]["edges"] == []

    trail = await s.deps.db.fetch(
        "SELECT m.action, u.username, m.note, m.status_before, m.status_after, m.reports_closed"
        " FROM moderation_actions m JOIN users u ON u.id = m.moderator_id ORDER BY m.id"
    )
    assert [tuple(r) for r in trail] == [
        ("remove", "mod", "graphic violence", "published", "removed", 2),
        ("restore", "mod", None, "removed", "published", 0),
        ("dismiss", "mod", "fine", "flagged", "published", 1),
    ]


async def test_moderators_see_what_they_must_review_whatever_the_account(s: Safety) -> None:
    # Going private or blocking the moderators does not hide a post from moderation.
    await _crowd(s, "mod", "author", "fan")
    await s.grant_moderator("mod")
    await s.go_private("author")
    await s.follow("fan", "author")
    await s.approve("author", "fan")
    post = await s.post("author", "private")
    (await s.report("fan", post, "SPAM")).ok()
    await s.block("author", "mod")
    assert (await s.seen_post("mod", post) or {}).get("caption") == "private"
    assert (await s.profile("mod", "author")) is None  # still a stranger elsewhere
    assert (await s.moderate("mod", post, "REMOVE", "spam")).ok()["moderatePost"]["status"] == (
        "REMOVED"
    )


async def test_a_post_counts_on_its_author_until_removed(s: Safety) -> None:
    await _crowd(s, "mod", "author")
    await s.grant_moderator("mod")
    post = await s.publish("author", "#solo")

    async def counts() -> tuple[int, int]:
        author = await s.deps.db.fetchval(
            "SELECT post_count FROM users WHERE id = $1", s.raw_id("author")
        )
        tag = await s.deps.db.fetchval("SELECT post_count FROM hashtags WHERE name = 'solo'")
        return author, tag

    assert await counts() == (1, 1)
    (await s.moderate("mod", post, "REMOVE")).ok()
    assert await counts() == (0, 0)
    (await s.moderate("mod", post, "REMOVE")).ok()  # already removed: kept, changes nothing
    assert await counts() == (0, 0)
    (await s.moderate("mod", post, "RESTORE")).ok()
    assert await counts() == (1, 1)
