"""Query limits over HTTP: fragment bombs, quadratic documents and the static cost."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLError, OperationDefinitionNode, parse

from schema.limits.cost import CostModel, operation_cost
from schema.limits.extension import MAX_REPEATED_FIELD_PAIRS
from schema.limits.overlap import repeated_field_pairs
from schema.limits.shape import analyse
from schema.schema import build_schema
from storage.settings import Settings
from tests.client import GraphQLClient

ROOT = Path(__file__).resolve().parent.parent


def doubling_fragments(levels: int) -> str:
    """Each fragment spreads the next twice: 2^levels copies of the last one once expanded."""
    parts = ["query Q { ...F0 }"]
    parts += [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    parts.append(f"fragment F{levels} on Query {{ viewer {{ id }} }}")
    return "\n".join(parts)


def nested_comments(levels: int, first: str = "50") -> str:
    """post { comments(first: 50) { edges { node { post { comments(first: 50) ... (the probe's)."""
    inner = "id body"
    for _ in range(levels):
        inner = f"post {{ comments(first: {first}) {{ edges {{ node {{ {inner} }} }} }} }}"
    variables = "$id: ID!, $n: Int" if first == "$n" else "$id: ID!"
    return f"query({variables}) {{ " + inner.replace("post {", "post(id: $id) {", 1) + " }"


def nested_comments_cost(levels: int, first: int) -> int:
    cost = 1 + first * 2  # comments(first) { edges { node { id body } } }
    for _ in range(levels - 1):
        cost = 1 + first * (3 + cost)  # edge, node, post, then that post's comments
    return 1 + cost  # post(id:)


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """How many times graphql-core's validation ran (the cache and the limits skip it)."""
    import graphql

    calls = 0
    real = graphql.validate

    def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return real(*args, **kwargs)

    monkeypatch.setattr("strawberry.schema.schema.validate", counting)
    return lambda: calls


async def test_doubling_fragments_are_refused_at_once(
    gql: GraphQLClient, validations: Callable[[], int]
) -> None:
    # 2^40 copies once expanded: an exponential walk would never answer.
    result = await gql(doubling_fragments(40))
    assert result.codes == ["QUERY_TOO_COMPLEX"]
    assert result.data is None
    assert "once fragments are expanded" in result.errors[0]["message"]
    assert result.body["extensions"]["cost"] == {"requested": 2**40, "limit": 10_000}
    assert validations() == 0  # graphql-core never saw it
    # A few levels are an ordinary query.
    assert (await gql(doubling_fragments(3))).ok() == {"viewer": None}


@pytest.mark.parametrize(
    "document",
    [
        # One field repeated: graphql-core's overlap check compares every pair (quadratic).
        "{ " + "viewer { id } " * 400 + "}",
        "{ " + "viewer { id } " * 1200 + "}",  # and more selections than allowed
        "{ viewer { " + "id " * 1500 + "} }",
        "{ viewer { " + "id " * 2400 + "} }",
        "{ " + "... on Query { viewer { id } } " * 500 + "}",
        "{ viewer { " + "...U " * 2400 + "} } fragment U on User { id }",
        "{ "
        + " ".join(f"...F{i}" for i in range(400))
        + " } "
        + " ".join(f"fragment F{i} on Query {{ viewer {{ id }} }}" for i in range(400)),
        "{ " + " ".join(f'user(username: "u{i}") {{ id }}' for i in range(600)) + " }",
    ],
)
async def test_pathological_documents_never_reach_graphql_core(
    gql: GraphQLClient, validations: Callable[[], int], document: str
) -> None:
    result = await gql(document)
    assert result.codes == ["QUERY_TOO_COMPLEX"]
    assert validations() == 0


async def test_repeated_fields_within_bounds_are_still_validated(
    gql: GraphQLClient, validations: Callable[[], int]
) -> None:
    assert repeated_field_pairs(parse("{ " + "viewer { id } " * 3 + "}"), budget=100) == 6
    assert (await gql("{ " + "viewer { id } " * 3 + "}")).ok() == {"viewer": None}
    assert validations() == 1


async def test_nested_connections_are_refused_by_cost(gql: GraphQLClient) -> None:
    # The probe's attack: 50 x 50 x 50 comments, within the depth, alias and token limits.
    result = await gql(nested_comments(3), {"id": "UG9zdDox"})
    assert result.codes == ["QUERY_TOO_COMPLEX"]
    assert nested_comments_cost(3, 50) == 260_202
    assert result.body["extensions"]["cost"] == {"requested": 260_202, "limit": 10_000}
    assert "Query cost 260202 exceeds the limit of 10000" in result.errors[0]["message"]
    # Two levels are within bounds, and answered with their cost.
    two = await gql(nested_comments(2), {"id": "UG9zdDox"})
    assert two.ok() == {"post": None}
    assert two.body["extensions"]["cost"] == {"requested": 5_202, "limit": 10_000}


async def test_cost_uses_the_variables_given_to_first(gql: GraphQLClient) -> None:
    query = nested_comments(3, first="$n")
    refused = await gql(query, {"id": "UG9zdDox"})  # `first` defaults to 20
    assert refused.body["extensions"]["cost"]["requested"] == nested_comments_cost(3, 20)
    assert refused.codes == ["QUERY_TOO_COMPLEX"]
    small = await gql(query, {"id": "UG9zdDox", "n": 5})
    assert small.ok() == {"post": None}
    assert small.body["extensions"]["cost"]["requested"] == nested_comments_cost(3, 5)
    # The same document with other variables is priced again, not served from a cache.
    again = await gql(query, {"id": "UG9zdDox", "n": 50})
    assert again.codes == ["QUERY_TOO_COMPLEX"]


async def test_cost_limit_is_a_setting(gql: GraphQLClient, tune: Callable[..., None]) -> None:
    query = "{ feed(first: 10) { edges { node { id } } } }"  # 1 + 10 * 2
    tune(max_query_cost=20)
    result = await gql(query)
    assert result.codes == ["QUERY_TOO_COMPLEX"]
    assert result.body["extensions"]["cost"] == {"requested": 21, "limit": 20}
    tune(max_query_cost=21)
    assert (await gql(query)).codes == ["UNAUTHENTICATED"]  # priced, then executed


async def test_cost_is_reported_on_every_answer(gql: GraphQLClient) -> None:
    result = await gql("{ __typename viewer { id } }")
    assert result.ok() == {"__typename": "Query", "viewer": None}
    assert result.body["extensions"] == {"cost": {"requested": 1, "limit": 10_000}}


# Screens an Instagram-style app shows, as one query each (they must pass the default cost).
HOME_SCREEN = """
query Home($after: String) {
  viewer { id username displayName }
  storyReels { hasUnseen author { id username } stories { id viewerHasSeen media { url } } }
  feed(first: 50, after: $after) {
    edges { cursor node {
      id caption hashtags location createdAt likeCount commentCount viewerHasLiked
      author { id username displayName }
      media { id kind url blurhash width height variants { size url width height } }
      comments(first: 3) { edges { node { id body author { username } } } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""
PROFILE_SCREEN = """
query Profile($username: String!) {
  user(username: $username) {
    id username displayName bio followerCount followingCount postCount viewerFollowStatus
    posts(first: 50) { edges { node { id likeCount commentCount media { url blurhash } } }
                       pageInfo { hasNextPage endCursor } }
    followers(first: 50) { edges { node { id username } } }
  }
}"""
POST_SCREEN = """
query PostScreen($id: ID!) {
  post(id: $id) {
    id caption likeCount viewerHasLiked author { id username }
    media { id kind url videoUrl durationMs variants { size url width height } }
    comments(first: 50) { edges { cursor node { id body createdAt author { id username } } }
                          pageInfo { hasNextPage endCursor } }
  }
}"""


def _documents() -> Iterator[tuple[str, str]]:
    """Every GraphQL operation written in the README, the tests and the benchmarks."""
    readme = (ROOT / "README.md").read_text()
    for block in re.findall(r"```graphql\n(.*?)```", readme, re.S):
        yield "README.md", block
    sources = [*(ROOT / "tests").glob("*.py"), *(ROOT / "bench").rglob("*.py")]
    for path in sorted(sources):
        if "limits" in path.name or "query_cost" in path.name:
            continue  # their constants are built to be refused
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "{" in node.value:
                yield path.name, node.value


def test_every_query_we_write_passes_the_default_limits() -> None:
    settings = Settings()
    schema = build_schema(settings)._schema
    model = CostModel.of(schema)
    checked = 0
    for where, text in [*_documents(), ("screens", HOME_SCREEN + PROFILE_SCREEN + POST_SCREEN)]:
        try:
            document = parse(text, max_tokens=settings.max_tokens)
        except GraphQLError:
            continue  # not GraphQL
        shape = analyse(document)
        # Unknown `first` variables priced at the page size limit, the worst they can be.
        variables = {name: settings.max_page_size for name in shape.first_variables}
        assert shape.aliases <= settings.max_aliases, (where, text)
        assert shape.selections <= settings.max_selections, (where, text)
        pairs = repeated_field_pairs(document, budget=settings.max_selections)
        assert pairs is not None and pairs <= MAX_REPEATED_FIELD_PAIRS, (where, text)
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                checked += 1
                cost = operation_cost(
                    model, document, definition, variables, settings.max_page_size
                )
                assert cost <= settings.max_query_cost, (where, cost, text)
        assert all(s.depth <= settings.max_query_depth for _, s in shape.operations), where
    assert checked > 100  # the scan found the suite's queries


@pytest.mark.parametrize(
    ("screen", "variables"),
    [
        (HOME_SCREEN, {}),
        (PROFILE_SCREEN, {"username": "nobody"}),
        (POST_SCREEN, {"id": "UG9zdDox"}),
    ],
)
async def test_app_screens_run_within_the_default_cost(
    gql: GraphQLClient, screen: str, variables: dict[str, Any]
) -> None:
    token, _ = await gql.register("screens")
    result = await gql(screen, variables, token=token)
    assert result.ok()
    assert result.body["extensions"]["cost"]["requested"] <= 10_000
