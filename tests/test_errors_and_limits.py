from __future__ import annotations

import logging

import httpx
import pytest
import strawberry

from schema import global_id
from tests.client import GraphQLClient


async def test_unexpected_errors_are_internal_with_request_id(
    gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from storage import users

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError('relation "users" SELECT secret FROM somewhere')

    monkeypatch.setattr(users, "by_usernames", broken)
    with caplog.at_level(logging.ERROR, logger="snapfeed.errors"):
        response = await gql.http.post(
            "/graphql", json={"query": '{ user(username: "anyone") { id } }'}
        )
    body = response.json()
    [error] = body["errors"]
    request_id = response.headers["x-request-id"]
    assert error["extensions"] == {"code": "INTERNAL", "requestId": request_id}
    assert request_id in error["message"]
    assert "SELECT" not in response.text and "Traceback" not in response.text
    # The server log has the details, tied to the same request id.
    assert any(request_id in r.getMessage() and r.exc_info for r in caplog.records)


async def test_request_id_from_a_proxy_is_kept(http: httpx.AsyncClient) -> None:
    response = await http.get("/healthz", headers={"X-Request-ID": "edge-1234abcd"})
    assert response.headers["x-request-id"] == "edge-1234abcd"
    odd = await http.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert odd.headers["x-request-id"] != "<script>"


async def test_validation_errors_are_bad_user_input(gql: GraphQLClient) -> None:
    assert (await gql("{ nosuchfield }")).codes == ["BAD_USER_INPUT"]
    assert (await gql("{ viewer { ")).codes == ["BAD_USER_INPUT"]
    wrong_type = await gql(
        "query($f: Int) { followRequests(first: $f) { pageInfo { hasNextPage } } }", {"f": "x"}
    )
    assert wrong_type.codes == ["BAD_USER_INPUT"]


async def test_depth_limit(gql: GraphQLClient) -> None:
    deep = "{ viewer { " + "followers { edges { node { " * 5 + "id" + " } } }" * 5 + " } }"
    result = await gql(deep)
    assert result.codes == ["QUERY_TOO_COMPLEX"]
    assert result.data is None


async def test_alias_limit_also_through_fragments(gql: GraphQLClient) -> None:
    aliases = " ".join(f"a{i}: viewer {{ id }}" for i in range(31))
    assert (await gql("{ " + aliases + " }")).codes == ["QUERY_TOO_COMPLEX"]
    via_fragment = (
        "query { ...F } fragment F on Query { "
        + " ".join(f"b{i}: viewer {{ id }}" for i in range(31))
        + " }"
    )
    assert (await gql(via_fragment)).codes == ["QUERY_TOO_COMPLEX"]
    assert (await gql("{ " + " ".join(f"a{i}: viewer {{ id }}" for i in range(5)) + " }")).ok()


async def test_token_limit(gql: GraphQLClient) -> None:
    huge = "{ " + " ".join("__typename" for _ in range(6000)) + " }"
    assert (await gql(huge)).codes == ["QUERY_TOO_COMPLEX"]


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b'{"variables": {}}', "application/json", 400),
        (b'{"query": 42}', "application/json", 400),
        (b"query=1", "text/plain", 415),  # Unsupported Media Type
        (b"42", "application/json", 400),
        (b"null", "application/json", 400),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", 400),
    ],
)
async def test_malformed_bodies_are_refused(
    http: httpx.AsyncClient, content: bytes, content_type: str, status: int
) -> None:
    response = await http.post("/graphql", content=content, headers={"content-type": content_type})
    assert response.status_code == status, response.text
    assert "Traceback" not in response.text
    # Refused before GraphQL runs, yet shaped like any GraphQL error, with a code.
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT"} and error["message"]


async def test_graphiql_served_to_browsers(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_health_and_readiness(http: httpx.AsyncClient) -> None:
    assert (await http.get("/healthz")).json() == {"status": "ok"}
    ready = await http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"postgres": "ok", "redis": "ok"}


async def test_node_resolves_users_and_ignores_others(gql: GraphQLClient) -> None:
    _, user_id = await gql.register("nodey")
    query = "query($id: ID!) { node(id: $id) { id ... on User { username } } }"
    assert (await gql(query, {"id": user_id})).ok() == {
        "node": {"id": user_id, "username": "nodey"}
    }
    for other in ("garbage", global_id.encode("User", 987654), global_id.encode("Nope", 1)):
        assert (await gql(query, {"id": other})).ok() == {"node": None}


@pytest.mark.parametrize(
    ("type_name", "row_id"), [("User", 1), ("Post", 2**62), ("Comment", 0), ("Media", 7)]
)
def test_global_ids_round_trip(type_name: str, row_id: int) -> None:
    encoded = global_id.encode(type_name, row_id)
    assert str(row_id) not in encoded  # opaque to clients
    assert global_id.decode(encoded) == (type_name, row_id)


@pytest.mark.parametrize(
    "raw", ["", "!!!", "VXNlcg", global_id.encode("User", 1) + "x", "VXNlcjotMQ", "VXNlcjox_"]
)
def test_global_id_rejects_garbage(raw: str) -> None:
    assert global_id.decode(raw) is None or global_id.decode(raw) == ("User", 1)
    with pytest.raises(Exception):  # noqa: B017
        global_id.decode_as(raw, "Post", field="id")


def test_strawberry_id_type() -> None:
    assert strawberry.ID("x") == "x"


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("mutation($b: String) { updateProfile(input: {bio: $b}) { bio } }", {"b": "a\x00b"}),
        ('mutation { updateProfile(input: {bio: "a\\u0000b"}) { bio } }', {}),
        ('mutation { updateProfile(input: {bio: "a\\u{0}b"}) { bio } }', {}),
        ("query($q: String!) { user(username: $q) { id } }", {"q": "x\x00"}),
    ],
)
async def test_nul_characters_are_bad_input(
    gql: GraphQLClient, query: str, variables: dict[str, str]
) -> None:
    token, _ = await gql.register("nully")
    result = await gql(query, variables, token=token)
    assert result.codes == ["BAD_USER_INPUT"]
    assert "NUL" in result.errors[0]["message"]


async def test_validation_runs_once_per_distinct_query(
    gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import graphql

    calls = 0
    real = graphql.validate

    def counting(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        return real(*args, **kwargs)  # type: ignore[arg-type]

    # Strawberry's schema module calls graphql-core's validate through its own import.
    monkeypatch.setattr("strawberry.schema.schema.validate", counting)
    query = "query CacheMe { viewer { id username } }"
    for _ in range(5):
        (await gql(query)).ok()
    assert calls == 1  # later requests hit the validation cache
