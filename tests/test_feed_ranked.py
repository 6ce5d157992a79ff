"""The ranked home feed through the API: order, mix, sessions and their cursors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from resolvers.deps import Deps
from schema import global_id
from storage import jobs, keys
from storage.snowflake import first_id_at
from tests.client import GraphQLClient
from tests.round_trips import RoundTripMeter
from tests.safety_helpers import BLOCK, GO_PRIVATE, MUTE
from tests.social import RunJobs, Social

# The ranked feed's Redis keys (sessions, seen and followee sets, suggestions) on one node
# and on a Redis Cluster.
pytestmark = pytest.mark.usefixtures("redis_kind")

PAGE = """query($first: Int, $after: String, $order: FeedOrder) {
  feed(first: $first, after: $after, order: $order) {
    edges { cursor reason node { caption author { username } } }
    pageInfo { hasNextPage endCursor }
} }"""
LIKE = "mutation($id: ID!) { likePost(postId: $id) { id } }"
APPROVE = "mutation($id: ID!) { approveFollowRequest(userId: $id) { id } }"


class Feeds(Social):
    async def page(
        self, name: str, *, first: int = 20, after: str | None = None, order: str = "RANKED"
    ) -> dict[str, Any]:
        variables = {"first": first, "after": after, "order": order}
        feed: dict[str, Any] = (await self.gql(PAGE, variables, token=self.tokens[name])).ok()[
            "feed"
        ]
        return feed

    async def shown(self, name: str, **options: Any) -> list[tuple[str, str]]:
        """(caption, reason) of one page."""
        page = await self.page(name, **options)
        return [(e["node"]["caption"], e["reason"]) for e in page["edges"]]

    async def like(self, name: str, post_id: int) -> None:
        gid = global_id.encode("Post", post_id)
        (await self.gql(LIKE, {"id": gid}, token=self.tokens[name])).ok()

    async def act(self, name: str, mutation: str, target: str) -> None:
        (await self.gql(mutation, {"id": self.ids[target]}, token=self.tokens[name])).ok()

    async def post_days_ago(self, author: str, caption: str, days: float) -> int:
        """A published post created `days` ago (its id says so too), fanned out."""
        at = datetime.now(UTC) - timedelta(days=days)
        post_id: int = await self.deps.db.fetchval(
            "INSERT INTO posts (id, author_id, caption, status, created_at, published_at)"
            " VALUES ($1, $2, $3, 'published', $4, $4) RETURNING id",
            first_id_at(int(at.timestamp() * 1000)) + 1,
            self.raw_id(author),
            caption,
            at,
        )
        await jobs.enqueue(self.deps.jobs, jobs.FANOUT_POST, post_id)
        await self.run_jobs()
        return post_id


@pytest.fixture
def f(gql: GraphQLClient, deps: Deps, run_jobs: RunJobs) -> Feeds:
    return Feeds(gql, deps, run_jobs)


async def everything(f: Feeds, name: str, first: int) -> list[dict[str, Any]]:
    """Every edge of one ranked session, page after page."""
    edges: list[dict[str, Any]] = []
    after = None
    while True:
        page = await f.page(name, first=first, after=after)
        edges += page["edges"]
        if not page["pageInfo"]["hasNextPage"]:
            return edges
        after = page["pageInfo"]["endCursor"]


def runs(authors: list[str]) -> int:
    longest = run = 0
    for i, a in enumerate(authors):
        run = run + 1 if i and authors[i - 1] == a else 1
        longest = max(longest, run)
    return longest


async def test_both_orders_show_the_followed_posts_and_say_why(f: Feeds) -> None:
    for name in ("reader", "ada", "bob"):
        await f.user(name)
    await f.follow("reader", "ada")
    await f.follow("reader", "bob")
    for i in range(3):
        await f.post("ada", f"ada{i}")
        await f.post("bob", f"bob{i}")
    chronological = await f.shown("reader", order="CHRONOLOGICAL")
    assert [c for c, _ in chronological] == ["bob2", "ada2", "bob1", "ada1", "bob0", "ada0"]
    assert {r for _, r in chronological} == {"FOLLOWING"}
    ranked = await f.shown("reader")
    assert sorted(ranked) == sorted(chronological)
    # Elsewhere a post edge has no reason.
    explore = (await f.gql("{ explore { edges { reason } } }", token=f.tokens["ada"])).ok()
    assert {e["reason"] for e in explore["explore"]["edges"]} <= {None}
    assert (await f.gql(PAGE, {"order": "RANKED"})).codes == ["UNAUTHENTICATED"]


async def test_an_author_the_viewer_engages_with_comes_first(f: Feeds) -> None:
    for name in ("reader", "close", "far"):
        await f.user(name)
    await f.follow("reader", "close")
    await f.follow("reader", "far")
    for i in range(3):
        await f.like("reader", await f.post("close", f"old{i}"))
    await f.run_jobs()  # the drain: the reader's affinity to `close`
    await f.post("close", "new from close")
    await f.post("far", "new from far")
    chronological = await f.shown("reader", order="CHRONOLOGICAL")
    assert chronological[0][0] == "new from far"
    ranked = await f.shown("reader")
    assert [c for c, _ in ranked[:2]] == ["new from close", "new from far"]
    # Posts the viewer already likes have been seen: they go last.
    assert {c for c, _ in ranked[2:]} == {"old0", "old1", "old2"}


async def test_pages_never_repeat_or_skip_and_a_new_session_sees_new_posts(f: Feeds) -> None:
    await f.user("reader")
    authors = ["au1", "au2", "au3", "au4"]
    for name in authors:
        await f.user(name)
        await f.follow("reader", name)
    for i in range(5):
        for name in authors:
            await f.post(name, f"{name}-{i}")
    first = await f.page("reader", first=7)
    await f.post("au1", "late")  # arrives between pages
    rest = []
    after = first["pageInfo"]["endCursor"]
    while after:
        page = await f.page("reader", first=7, after=after)
        rest += page["edges"]
        after = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
    session = first["edges"] + rest
    captions = [e["node"]["caption"] for e in session]
    assert sorted(captions) == sorted(f"{a}-{i}" for a in authors for i in range(5))
    assert runs([e["node"]["author"]["username"] for e in session]) <= 3
    assert len({e["cursor"] for e in session}) == len(session)
    # A new session ranks afresh: the late post is in it.
    assert "late" in [c for c, _ in await f.shown("reader", first=50)]


async def test_never_more_than_three_in_a_row_by_one_author(f: Feeds) -> None:
    for name in ("reader", "busy", "quiet"):
        await f.user(name)
        if name != "reader":
            await f.follow("reader", name)
    await f.post("quiet", "quiet0")
    for i in range(7):
        await f.post("busy", f"busy{i}")
    await f.post("quiet", "quiet1")
    edges = await everything(f, "reader", 3)
    authors = [e["node"]["author"]["username"] for e in edges]
    assert runs(authors) <= 3
    assert authors.count("quiet") == 2 and authors.count("busy") >= 6


async def test_older_posts_follow_a_session_newest_first(f: Feeds) -> None:
    for name in ("reader", "ada"):
        await f.user(name)
    await f.follow("reader", "ada")
    await f.post_days_ago("ada", "older", 9)
    await f.post_days_ago("ada", "old", 8)
    for i in range(3):
        await f.post("ada", f"new{i}")
    edges = await everything(f, "reader", 2)
    captions = [e["node"]["caption"] for e in edges]
    assert sorted(captions[:3]) == ["new0", "new1", "new2"]  # ranked: the last 7 days
    assert captions[3:] == ["old", "older"]  # then the rest, newest first
    assert {e["reason"] for e in edges} == {"FOLLOWING"}


async def test_suggested_posts_are_mixed_in_and_never_from_hidden_authors(f: Feeds) -> None:
    for name in ("reader", "friend", "fresh", "hidden", "muted", "blocker", "known"):
        await f.user(name)
    (await f.gql(GO_PRIVATE, token=f.tokens["hidden"])).ok()
    for name in ("fresh", "hidden", "muted", "blocker", "known"):
        await f.follow("friend", name)
    await f.act("hidden", APPROVE, "friend")
    followed = ["friend", "fo1", "fo2", "fo3"]
    for name in followed[1:]:
        await f.user(name)
    for name in followed:
        await f.follow("reader", name)
    await f.act("reader", MUTE, "muted")
    await f.act("blocker", BLOCK, "reader")
    for name in ("fresh", "hidden", "muted", "blocker", "known"):
        post_id = await f.post(name, f"by {name}")
        await f.like("friend", post_id)  # liked by someone the reader follows
        if name == "known":
            await f.like("reader", post_id)  # the reader has seen this one
    for i in range(3):
        for name in followed:
            await f.post(name, f"{name}{i}")
    await f.run_jobs()
    shown = await f.shown("reader")
    suggested = [c for c, r in shown if r == "SUGGESTED"]
    assert suggested == ["by fresh"]
    assert shown[9] == ("by fresh", "SUGGESTED")  # the tenth position
    assert len(shown) == 13
    chronological = await f.shown("reader", order="CHRONOLOGICAL")
    assert "by fresh" not in {c for c, _ in chronological}
    # Shown in that session, it is never suggested again.
    again = await f.shown("reader")
    assert [c for c, r in again if r == "SUGGESTED"] == []


async def test_session_cursors_belong_to_their_viewer_and_expire(f: Feeds) -> None:
    for name in ("reader", "other", "ada"):
        await f.user(name)
    await f.follow("reader", "ada")
    for i in range(3):
        await f.post("ada", f"ada{i}")
    first = await f.page("reader", first=1)
    cursor = first["pageInfo"]["endCursor"]
    assert len((await f.page("reader", first=1, after=cursor))["edges"]) == 1
    # Another viewer cannot read the reader's session.
    result = await f.gql(PAGE, {"after": cursor, "order": "RANKED"}, token=f.tokens["other"])
    assert result.codes == ["BAD_USER_INPUT"]
    # A ranked cursor is no chronological one, and nonsense is nonsense.
    result = await f.gql(PAGE, {"after": cursor}, token=f.tokens["reader"])
    assert result.codes == ["BAD_USER_INPUT"]
    result = await f.gql(PAGE, {"after": "nope", "order": "RANKED"}, token=f.tokens["reader"])
    assert result.codes == ["BAD_USER_INPUT"]
    # Gone (expired): start again from the first page.
    # (Every session the reader has, by the list of them: KEYS would ask one cluster node.)
    reader = f.raw_id("reader")
    for session in await f.deps.redis.execute_command(
        "LRANGE", keys.ranked_sessions(reader), 0, -1
    ):
        assert await f.deps.redis.delete(keys.ranked_session(reader, int(session))) == 1
    result = await f.gql(PAGE, {"after": cursor, "order": "RANKED"}, token=f.tokens["reader"])
    assert result.codes == ["BAD_USER_INPUT"]
    assert len((await f.page("reader"))["edges"]) == 3


async def test_a_ranked_page_costs_a_fixed_number_of_round_trips(
    f: Feeds, round_trips: RoundTripMeter
) -> None:
    await f.user("reader")
    for name in ("ada", "bob", "cyd"):
        await f.user(name)
        await f.follow("reader", name)
        for i in range(8):
            await f.post(name, f"{name}{i}")
    await f.page("reader")  # warm: the feed cache and the suggestions
    async with round_trips() as first:
        page = await f.page("reader", first=10)
    async with round_trips() as second:
        await f.page("reader", first=10, after=page["pageInfo"]["endCursor"])
    # First page. DB: token, candidates with their features, the page's cards. Redis: the
    # feed, celebrity list and viewer's signals in one pipeline, the session stored.
    assert (first.db, first.redis) == (3, 2)
    # Next page. DB: token, cards. Redis: the session's entries (marked seen in the same
    # script).
    assert (second.db, second.redis) == (2, 1)
