"""A request's objects are freed when it ends, by reference counting, not by the cycle
collector: one reference cycle (the executor's, see schema/execution.build_response) kept a
request's context, loaders and a page's rows alive until the collector's next pass, which
then had to walk all of them (~50 us a feed page)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from typing import Any

import pytest

from schema import global_id
from schema.context import Context
from tests.client import GraphQLClient
from tests.social import Social

NODE = "id caption author { username } media { url } likeCount commentCount"
REQUESTS: dict[str, tuple[str, dict[str, Any]]] = {
    "typename": ("{ __typename }", {}),
    "feed": (f"{{ feed(first: 20) {{ edges {{ node {{ {NODE} }} }} }} }}", {}),
    "grid": (
        "query ($name: String!) { user(username: $name) { posts(first: 12) {"
        " edges { node { id media { url(size: SMALL) } likeCount } } } } }",
        {"name": "author"},
    ),
    "hashtag": (
        f'{{ hashtag(name: "cycles") {{ postCount posts(first: 20) {{ edges {{ node {{ {NODE} }}'
        " } } } }",
        {},
    ),
    "explore": (f"{{ explore(first: 20) {{ edges {{ node {{ {NODE} }} }} }} }}", {}),
    "comments": (
        "query ($id: ID!) { post(id: $id) { comments(first: 20) {"
        " edges { node { body author { username } } } } } }",
        {},
    ),
    "bad input": (f"{{ feed(first: 51) {{ edges {{ node {{ {NODE} }} }} }} }}", {}),
    "invalid": ("{ nope }", {}),
    "syntax error": ("{ feed(first: 20) { edges ", {}),
    "mutation": ("mutation ($id: ID!) { likePost(postId: $id) { likeCount } }", {}),
}


@pytest.fixture
def contexts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[weakref.ref[Context]]]:
    made: list[weakref.ref[Context]] = []
    post_init = Context.__post_init__

    def tracked(self: Context) -> None:
        post_init(self)
        made.append(weakref.ref(self))

    monkeypatch.setattr(Context, "__post_init__", tracked)
    yield made


@pytest.mark.parametrize("request_name", list(REQUESTS))
async def test_a_request_leaves_no_reference_cycle(
    social: Social, gql: GraphQLClient, contexts: list[weakref.ref[Context]], request_name: str
) -> None:
    await social.user("reader")
    await social.user("author")
    await social.follow("reader", "author")
    post_id = await social.post("author", "a caption #cycles")
    query, variables = REQUESTS[request_name]
    if "$id" in query:
        variables = {"id": global_id.encode("Post", post_id)}
    await gql(query, variables, token=social.tokens["reader"])  # plans and caches made
    contexts.clear()
    gc.collect()
    gc.disable()
    try:
        result = await gql(query, variables, token=social.tokens["reader"])
        alive = [ref for ref in contexts if ref() is not None]
    finally:
        gc.enable()
    assert result.status == 200
    assert contexts, "the request made no context"
    assert not alive, f"{request_name}: the context outlived its request"
