"""Comments: bounds, exact counts under concurrency, who may delete, paging, privacy."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import Any

import pytest

from resolvers.deps import Deps
from schema import global_id
from tests.client import GraphQLClient
from tests.engagement_helpers import ADD_COMMENT, DELETE_COMMENT, Crowd, RunJobs

# Each test runs on one Valkey node and on a Redis Cluster (tests/conftest.py, redis_kind).
pytestmark = pytest.mark.usefixtures("redis_kind")

COMMENTS = """query($id: ID!, $first: Int, $after: String) { post(id: $id) {
  commentCount
  comments(first: $first, after: $after) {
    edges { cursor node { id body author { username } post { id } } }
    pageInfo { hasNextPage endCursor }
  }
} }"""
NODE = "query($id: ID!) { node(id: $id) { id ... on Comment { body post { id } } } }"


@pytest.fixture
def crowd(gql: GraphQLClient, deps: Deps, run_jobs: RunJobs) -> Crowd:
    return Crowd(gql, deps, run_jobs)


async def _page(
    crowd: Crowd, viewer: str | None, post: str, first: int | None = None, after: str | None = None
) -> dict[str, Any]:
    result = await crowd.call(viewer, COMMENTS, id=post, first=first, after=after)
    page: dict[str, Any] = result.ok()["post"]
    return page


def _bodies(page: dict[str, Any]) -> list[str]:
    return [e["node"]["body"] for e in page["comments"]["edges"]]


async def test_add_comment_trims_and_answers_the_comment(crowd: Crowd) -> None:
    await crowd.user("author")
    await crowd.user("chatty")
    post = await crowd.share("author")
    added = (await crowd.call("chatty", ADD_COMMENT, id=post, body="  nice shot \n")).ok()
    assert added["addComment"]["body"] == "nice shot"
    assert added["addComment"]["author"] == {"username": "chatty"}
    assert added["addComment"]["post"] == {"commentCount": 1}
    page = await _page(crowd, None, post)
    assert page["commentCount"] == 1 and _bodies(page) == ["nice shot"]
    node = page["comments"]["edges"][0]["node"]
    assert node["id"] == added["addComment"]["id"] and node["post"] == {"id": post}


@pytest.mark.parametrize(
    ("body", "accepted"),
    [
        ("", False),
        (" \t\n ", False),
        ("x", True),
        ("x" * 2200, True),
        ("  " + "x" * 2200 + "  ", True),  # trimmed first
        ("x" * 2201, False),
        ("é" * 2200, True),  # characters, not bytes
        ("a\x00b", False),
    ],
)
async def test_comment_body_bounds(crowd: Crowd, body: str, accepted: bool) -> None:
    await crowd.user("author")
    post = await crowd.share("author")
    result = await crowd.call("author", ADD_COMMENT, id=post, body=body)
    if accepted:
        assert result.ok()["addComment"]["body"] == body.strip()
    else:
        assert result.codes == ["BAD_USER_INPUT"]
        if "\x00" in body:  # refused at the edge for every text input, before the resolver
            assert "NUL" in result.errors[0]["message"]
        else:
            assert result.errors[0]["extensions"]["field"] == "body"
    assert (await crowd.counts(post))["commentCount"] == int(accepted)


async def test_concurrent_comments_are_counted_exactly(crowd: Crowd) -> None:
    await crowd.user("author")
    post = await crowd.share("author")
    names = await crowd.users("talker", 30)
    results = await asyncio.gather(
        *(crowd.call(n, ADD_COMMENT, id=post, body=f"hi from {n}") for n in names)
    )
    assert all(not r.errors for r in results)
    assert (await crowd.counts(post))["commentCount"] == 30
    # And concurrent deletes of a third of them, each by its author.
    ids = [r.data["addComment"]["id"] for r in results]
    deletes = await asyncio.gather(
        *(crowd.call(n, DELETE_COMMENT, id=c) for n, c in zip(names[:10], ids[:10], strict=True))
    )
    assert [r.ok()["deleteComment"] for r in deletes] == [True] * 10
    assert (await crowd.counts(post))["commentCount"] == 20
    assert len(_bodies(await _page(crowd, None, post, first=50))) == 20


async def test_who_may_delete_a_comment(crowd: Crowd) -> None:
    for name in ("author", "commenter", "bystander"):
        await crowd.user(name)
    post = await crowd.share("author")
    first = await crowd.comment("commenter", post, "first")
    second = await crowd.comment("commenter", post, "second")
    assert (await crowd.call("bystander", DELETE_COMMENT, id=first)).codes == ["FORBIDDEN"]
    assert (await crowd.call(None, DELETE_COMMENT, id=first)).codes == ["UNAUTHENTICATED"]
    assert (await crowd.call("commenter", DELETE_COMMENT, id=first)).ok() == {"deleteComment": True}
    assert (await crowd.call("author", DELETE_COMMENT, id=second)).ok() == {"deleteComment": True}
    assert (await crowd.call("author", DELETE_COMMENT, id=second)).codes == ["NOT_FOUND"]
    unknown = global_id.encode("Comment", 987654321)
    assert (await crowd.call("author", DELETE_COMMENT, id=unknown)).codes == ["NOT_FOUND"]
    assert (await crowd.call("author", DELETE_COMMENT, id=post)).codes == ["BAD_USER_INPUT"]
    page = await _page(crowd, "author", post)
    assert page["commentCount"] == 0 and _bodies(page) == []
    assert (await crowd.call("author", NODE, id=first)).ok() == {"node": None}


@pytest.mark.parametrize("seed", [1, 2])
async def test_comments_page_oldest_first_while_new_ones_arrive(crowd: Crowd, seed: int) -> None:
    rng = random.Random(seed)
    await crowd.user("author")
    await crowd.user("reader")
    post = await crowd.share("author")
    written = [f"c{i}" for i in range(rng.randint(7, 11))]
    for body in written:
        await crowd.comment("author", post, body)
    seen: list[str] = []
    after = None
    while True:
        first = rng.randint(1, 3)
        page = (await _page(crowd, "reader", post, first=first, after=after))["comments"]
        seen += [e["node"]["body"] for e in page["edges"]]
        for _ in range(rng.randint(0, 2)):  # new comments land between page reads
            written.append(f"new{len(written)}")
            await crowd.comment("reader", post, written[-1])
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
    # Oldest first, no repeats, no gaps; what arrived after the last read page comes next.
    assert seen == written[: len(seen)] and len(seen) >= 7
    rest = await _page(crowd, "reader", post, first=50, after=after)
    assert _bodies(rest) == written[len(seen) :]


async def test_comments_first_is_validated(crowd: Crowd) -> None:
    await crowd.user("author")
    post = await crowd.share("author")
    for i in range(3):
        await crowd.comment("author", post, f"c{i}")
    assert (await crowd.call(None, COMMENTS, id=post, first=51)).codes == ["BAD_USER_INPUT"]
    assert (await crowd.call(None, COMMENTS, id=post, first=-1)).codes == ["BAD_USER_INPUT"]
    bad = await crowd.call(None, COMMENTS, id=post, first=1, after="bm9wZQ")
    assert bad.codes == ["BAD_USER_INPUT"]
    empty = (await _page(crowd, None, post, first=0))["comments"]
    assert empty == {"edges": [], "pageInfo": {"hasNextPage": True, "endCursor": None}}
    default = await _page(crowd, None, post)
    assert _bodies(default) == ["c0", "c1", "c2"]
    assert default["comments"]["pageInfo"]["hasNextPage"] is False


async def test_private_posts_comments_are_hidden_from_non_followers(crowd: Crowd) -> None:
    for name in ("secret", "stranger", "friend"):
        await crowd.user(name)
    await crowd.make_private("secret")
    await crowd.follow("friend", "secret")
    await crowd.approve("secret", "friend")
    post = await crowd.share("secret")
    own = await crowd.comment("secret", post, "just us")
    from_friend = await crowd.comment("friend", post, "lovely")

    refused = await crowd.call("stranger", ADD_COMMENT, id=post, body="let me in")
    assert refused.codes == ["NOT_FOUND"]
    for viewer in ("stranger", None):
        assert (await crowd.call(viewer, COMMENTS, id=post)).ok() == {"post": None}
        for comment in (own, from_friend):
            assert (await crowd.call(viewer, NODE, id=comment)).ok() == {"node": None}
    assert (await crowd.call("stranger", DELETE_COMMENT, id=own)).codes == ["NOT_FOUND"]

    assert _bodies(await _page(crowd, "friend", post)) == ["just us", "lovely"]
    node = (await crowd.call("friend", NODE, id=own)).ok()["node"]
    assert node == {"id": own, "body": "just us", "post": {"id": post}}
    assert (await crowd.counts(post, viewer="secret"))["commentCount"] == 2


async def test_comments_are_rate_limited(crowd: Crowd, tune: Callable[..., None]) -> None:
    tune(rate_limits="comment=2/60")
    await crowd.user("author")
    post = await crowd.share("author")
    for i in range(2):
        await crowd.comment("author", post, f"c{i}")
    limited = await crowd.call("author", ADD_COMMENT, id=post, body="one more")
    assert limited.codes == ["RATE_LIMITED"]
    assert limited.errors[0]["extensions"]["retryAfter"] >= 1
    assert (await crowd.counts(post))["commentCount"] == 2


async def test_each_mutation_of_a_document_answers_fresh_comments(crowd: Crowd) -> None:
    await crowd.user("author")
    post = await crowd.share("author")
    gone = await crowd.comment("author", post, "soon gone")
    fields = "post { commentCount comments { edges { node { body } } } }"
    document = f"""mutation($post: ID!, $gone: ID!) {{
      a: addComment(postId: $post, body: "one") {{ {fields} }}
      b: deleteComment(id: $gone)
      c: addComment(postId: $post, body: "two") {{ {fields} }}
    }}"""
    data = (await crowd.call("author", document, post=post, gone=gone)).ok()

    def seen(key: str) -> tuple[int, list[str]]:
        answered = data[key]["post"]
        return answered["commentCount"], [e["node"]["body"] for e in answered["comments"]["edges"]]

    assert seen("a") == (2, ["soon gone", "one"])
    assert data["b"] is True
    assert seen("c") == (2, ["one", "two"])
