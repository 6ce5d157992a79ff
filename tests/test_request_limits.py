"""Request bodies and hostile input at the HTTP edge: limits, JSON errors, never a bare 500."""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from resolvers import cursors
from resolvers.deps import Deps
from server.app import create_app
from storage.postgres import open_pool
from storage.settings import Settings
from tests.client import GraphQLClient

MIB = 2**20


def _error(response: httpx.Response) -> tuple[str, str]:
    """(code, message) of a request-level error, which must be GraphQL-shaped JSON."""
    assert response.headers["content-type"].startswith("application/json"), response.text
    [error] = response.json()["errors"]
    return error["extensions"]["code"], error["message"]


class Chunks:
    """A request body of `count` chunks that records how many were read."""

    def __init__(self, count: int, size: int = 64 * 1024, first: bytes = b"") -> None:
        self.count = count
        self.size = size
        self.first = first
        self.read = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for i in range(self.count):
            self.read += 1
            yield self.first if i == 0 and self.first else b" " * self.size


async def test_declared_oversized_json_is_refused_unread(http: httpx.AsyncClient) -> None:
    body = Chunks(20, size=MIB // 8)  # 2.5 MiB, declared up front
    response = await http.post(
        "/graphql",
        content=body,
        headers={"content-type": "application/json", "content-length": str(20 * MIB // 8)},
    )
    assert response.status_code == 413
    code, message = _error(response)
    assert code == "PAYLOAD_TOO_LARGE" and str(MIB) in message
    assert body.read == 0
    assert response.headers["x-request-id"]


async def test_chunked_oversized_json_is_refused_while_streaming(
    http: httpx.AsyncClient,
) -> None:
    body = Chunks(100, size=64 * 1024, first=b'{"query": "{ __typename }", "x": "')  # no length
    response = await http.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert _error(response)[0] == "PAYLOAD_TOO_LARGE"
    assert body.read == MIB // (64 * 1024) + 1  # read up to the limit, then no further


async def test_json_limit_is_a_setting(http: httpx.AsyncClient, tune: Callable[..., None]) -> None:
    query = json.dumps({"query": "{ __typename }"}).encode()
    assert (await http.post("/graphql", content=query, headers=_json())).status_code == 200
    tune(max_request_bytes=len(query) - 1)
    assert (await http.post("/graphql", content=query, headers=_json())).status_code == 413


def _json() -> dict[str, str]:
    return {"content-type": "application/json"}


def _multipart_headers(length: int, token: str | None = None) -> dict[str, str]:
    headers = {
        "content-type": "multipart/form-data; boundary=snapfeedboundary",
        "content-length": str(length),
    }
    return headers | ({"authorization": f"Bearer {token}"} if token else {})


async def test_anonymous_upload_is_refused_before_its_body_is_read(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    body = Chunks(3200)  # 200 MiB
    response = await http.post("/graphql", content=body, headers=_multipart_headers(200 * MIB))
    assert response.status_code == 401
    assert _error(response)[0] == "UNAUTHENTICATED"
    assert response.headers["www-authenticate"] == "Bearer"
    assert body.read == 0  # nothing read, nothing spooled to disk
    # Nor with a token that is not valid.
    response = await http.post(
        "/graphql", content=body, headers=_multipart_headers(200 * MIB, "not-a-token")
    )
    assert response.status_code == 401 and body.read == 0


async def test_signed_in_upload_larger_than_a_video_is_refused_unread(
    http: httpx.AsyncClient, gql: GraphQLClient, settings: Settings
) -> None:
    token, _ = await gql.register("uploader")
    body = Chunks(10)
    too_large = settings.max_video_bytes + settings.max_request_bytes + 1
    response = await http.post(
        "/graphql", content=body, headers=_multipart_headers(too_large, token)
    )
    assert response.status_code == 413
    assert _error(response)[0] == "PAYLOAD_TOO_LARGE"
    assert body.read == 0


@pytest.mark.parametrize(
    "content",
    [
        b"42",
        b"null",
        b'"x"',
        b"true",
        b"[" * 100_000 + b"]" * 100_000,  # json.loads: RecursionError
        b'{"query": "{ __typename }", "variables": {"n": ' + b"9" * 5_000 + b"}}",  # ValueError
        b'{"query": "{ __typename }"' + b"\xff" + b"}",  # not UTF-8
    ],
)
async def test_bodies_that_are_no_request_are_bad_input(
    http: httpx.AsyncClient, content: bytes
) -> None:
    response = await http.post("/graphql", content=content, headers=_json())
    assert response.status_code == 400, response.text
    assert _error(response)[0] == "BAD_USER_INPUT"


async def test_bad_variables_in_a_get_are_bad_input(http: httpx.AsyncClient) -> None:
    response = await http.get(
        "/graphql", params={"query": "{ __typename }", "variables": "[" * 5_000}
    )
    assert response.status_code == 400
    assert _error(response)[0] == "BAD_USER_INPUT"


async def test_deep_variables_are_bad_input_not_internal(gql: GraphQLClient) -> None:
    nested: Any = "x"
    for _ in range(800):  # deep, yet within what json.loads accepts
        nested = [nested]
    query = "query($q: String!) { search(query: $q) { users { id } } }"
    response = await gql.http.post(
        "/graphql",
        content=json.dumps({"query": query, "variables": {"q": nested}}),
        headers=_json(),
    )
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["BAD_USER_INPUT"]


def _raw_json(payload: dict[str, Any]) -> bytes:
    # ensure_ascii keeps a lone surrogate as the escape "\ud800" (httpx's json= cannot send it)
    return json.dumps(payload, ensure_ascii=True).encode()


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (
            "mutation($b: String) { updateProfile(input: {bio: $b}) { bio } }",
            {"b": "caf\ud800e"},
        ),
        ("query($q: String!) { search(query: $q) { users { id } } }", {"q": "\udfff"}),
        ("query($q: String!) { hashtag(name: $q) { name } }", {"q": "tag\ud83d"}),
        ('mutation { updateProfile(input: {bio: "\\ud800"}) { bio } }', {}),  # GraphQL escape
        ('mutation { updateProfile(input: {bio: "\ud800"}) { bio } }', {}),  # raw, via JSON
    ],
)
async def test_lone_surrogates_are_bad_input(
    gql: GraphQLClient, query: str, variables: dict[str, Any]
) -> None:
    token, _ = await gql.register("surrogate")
    response = await gql.http.post(
        "/graphql",
        content=_raw_json({"query": query, "variables": variables}),
        headers={**_json(), "authorization": f"Bearer {token}"},
    )
    assert response.status_code in (200, 400)
    codes = [e["extensions"]["code"] for e in response.json()["errors"]]
    assert codes == ["BAD_USER_INPUT"]
    # A real emoji (a surrogate pair in JSON) is fine.
    fine = await gql(
        "mutation($b: String) { updateProfile(input: {bio: $b}) { bio } }",
        {"b": "caf\u00e9 \U0001f600"},
        token=token,
    )
    assert fine.ok() == {"updateProfile": {"bio": "caf\u00e9 \U0001f600"}}


async def test_an_operation_name_with_a_surrogate_is_bad_input(http: httpx.AsyncClient) -> None:
    payload = {"query": "{ __typename }", "operationName": "Q\ud800"}
    response = await http.post("/graphql", content=_raw_json(payload), headers=_json())
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    "after",
    [
        cursors.encode("comments", 2**70),
        cursors.encode("comments", -(2**64)),
        cursors.encode("comments", 2**63),
    ],
)
async def test_cursors_beyond_64_bits_are_bad_input(gql: GraphQLClient, after: str) -> None:
    query = "query($id: ID!, $after: String) { post(id: $id) { comments(after: $after) {"
    query += " edges { cursor } } } }"
    token, _ = await gql.register("cursory")
    # Any post id: the cursor is checked whatever the post.
    result = await gql(query, {"id": _gid("Post", 1), "after": after}, token=token)
    assert "INTERNAL" not in result.codes
    feed = await gql(
        "query($a: String) { feed(after: $a) { edges { cursor } } }",
        {"a": cursors.encode("feed", 2**70)},
        token=token,
    )
    assert feed.codes == ["BAD_USER_INPUT"]


def _gid(type_name: str, raw: Any) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{raw}".encode()).decode().rstrip("=")


@pytest.mark.parametrize("raw", ["²", "١٢", "9" * 30, "-1", "1.5", " 1"])
async def test_odd_global_ids_are_bad_input(gql: GraphQLClient, raw: str) -> None:
    token, _ = await gql.register("ids")
    node = await gql("query($id: ID!) { node(id: $id) { id } }", {"id": _gid("User", raw)})
    assert node.ok() == {"node": None}
    follow = await gql(
        "mutation($id: ID!) { follow(userId: $id) { status } }",
        {"id": _gid("User", raw)},
        token=token,
    )
    assert follow.codes == ["BAD_USER_INPUT"]


@pytest.fixture
async def outage_http(deps: Deps, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app with PostgreSQL unreachable: a pool pointing at a closed port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    pool = await open_pool(
        f"postgresql://snapfeed@127.0.0.1:{port}/snapfeed", min_size=0, max_size=1
    )
    app = create_app(settings, dataclasses.replace(deps, db=pool))
    transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 5555))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://snapfeed.test") as c:
            yield c
    finally:
        await pool.close()


async def test_database_outage_is_a_json_internal_error(
    outage_http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="snapfeed.errors"):
        response = await outage_http.post(
            "/graphql",
            json={"query": "{ viewer { id } }"},
            headers={"authorization": "Bearer some-token"},
        )
    assert response.status_code == 500
    code, message = _error(response)
    request_id = response.headers["x-request-id"]
    assert code == "INTERNAL" and request_id in message
    assert response.json()["errors"][0]["extensions"]["requestId"] == request_id
    assert "Traceback" not in response.text and "127.0.0.1" not in response.text
    assert any(request_id in r.getMessage() and r.exc_info for r in caplog.records)
    # What needs no database still answers.
    fine = await outage_http.post("/graphql", json={"query": "{ __typename }"})
    assert fine.json()["data"] == {"__typename": "Query"}
