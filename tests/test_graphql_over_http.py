"""GraphQL over HTTP as the spec says: the npm graphql-http audit against a real uvicorn, and
the rules it does not cover (405 for GET mutations, request-level errors, operation choice,
cache headers)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from tests import js_tools
from tests.client import GraphQLClient

GQL_JSON = "application/graphql-response+json"


async def test_graphql_http_audit_passes_every_must_and_should(live_url: str) -> None:
    js_tools.node_packages()
    assert js_tools.NODE is not None
    audit = await asyncio.create_subprocess_exec(
        js_tools.NODE,
        str(js_tools.JS_DIR / "audit.mjs"),
        f"http://{live_url}/graphql",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(audit.communicate(), 50)
    assert audit.returncode == 0, err.decode()
    results: list[dict[str, Any]] = json.loads(out)
    required = [r for r in results if r["name"].startswith(("MUST", "SHOULD"))]
    # graphql-http 1.23: 13 MUST and 23 SHOULD audits; fewer would mean they did not run.
    assert sum(r["name"].startswith("MUST") for r in required) >= 13
    assert sum(r["name"].startswith("SHOULD") for r in required) >= 23
    failed = [f"{r['id']} {r['name']}: {r['reason']}" for r in required if r["status"] != "ok"]
    assert failed == []


async def _post(
    http: httpx.AsyncClient, body: object, accept: str | None = None, **headers: str
) -> httpx.Response:
    if accept is not None:
        headers["accept"] = accept
    return await http.post("/graphql", json=body, headers=headers)


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("{", None),  # parse error
        ("{ nope }", None),  # validation error
        ("query($n: String!) { user(username: $n) { id } }", {"n": 5}),  # variable coercion
        ("query A { __typename } query B { __typename }", None),  # which one?
    ],
    ids=["parse", "validation", "variables", "ambiguous"],
)
async def test_request_errors_have_no_data(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any] | None
) -> None:
    body = {"query": query, "variables": variables}
    modern = await _post(http, body, GQL_JSON)
    assert modern.status_code == 400
    assert modern.headers["content-type"] == f"{GQL_JSON}; charset=utf-8"
    assert "data" not in modern.json()
    assert [e["extensions"]["code"] for e in modern.json()["errors"]] == ["BAD_USER_INPUT"]
    legacy = await _post(http, body, "application/json")
    assert legacy.status_code == 200
    assert legacy.headers["content-type"] == "application/json"
    assert "data" not in legacy.json()
    assert legacy.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_several_operations_run_the_named_one(gql: GraphQLClient) -> None:
    response = await gql.http.post(
        "/graphql",
        json={
            "query": "query A { a: __typename } query B { b: __typename }",
            "operationName": "B",
        },
    )
    assert response.json()["data"] == {"b": "Query"}


async def test_executed_operations_answer_200_with_data(http: httpx.AsyncClient) -> None:
    # A field error is not a request error: data is there (null where the error is).
    response = await _post(
        http, {"query": "{ __typename viewer { username } feed { edges { cursor } } }"}, GQL_JSON
    )
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None  # feed is non-null and needs a viewer
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert body["errors"][0]["path"] == ["feed"]


async def test_get_mutations_are_405_with_allow(http: httpx.AsyncClient) -> None:
    response = await http.get(
        "/graphql", params={"query": "mutation { logout }"}, headers={"accept": GQL_JSON}
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "data" not in response.json()


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_other_methods_are_405_json(http: httpx.AsyncClient, method: str) -> None:
    response = await http.request(method, "/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b'[{"query": "{ __typename }"}]', "application/json", 400),  # batches: not served
        (b'{"variables": {}}', "application/json", 400),  # no query
        (b"{ __typename }", "application/graphql", 415),
        (b"", "", 415),
    ],
)
async def test_request_level_errors_are_json_in_the_negotiated_type(
    http: httpx.AsyncClient, content: bytes, content_type: str, status: int
) -> None:
    headers = {"accept": GQL_JSON}
    if content_type:
        headers["content-type"] = content_type
    response = await http.post("/graphql", content=content, headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"].startswith(GQL_JSON)
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_get_of_public_data_may_be_cached_signed_in_is_private(
    gql: GraphQLClient,
) -> None:
    token, _ = await gql.register("cached_reader")
    params = {"query": '{ user(username: "cached_reader") { username } }'}
    public = await gql.http.get("/graphql", params=params)
    assert public.status_code == 200 and public.json()["data"]["user"]
    assert public.headers["cache-control"] == "public, max-age=30"
    assert "Authorization" in public.headers["vary"]
    private = await gql.http.get(
        "/graphql", params=params, headers={"authorization": f"Bearer {token}"}
    )
    assert private.headers["cache-control"] == "private, no-store"
    failed = await gql.http.get("/graphql", params={"query": "{ nope }"})
    assert failed.headers["cache-control"] == "no-store"
    posted = await gql.http.post("/graphql", json=params)
    assert "cache-control" not in posted.headers


async def test_public_cache_lifetime_is_a_setting(http: httpx.AsyncClient, tune: Any) -> None:
    tune(public_cache_seconds=0)
    response = await http.get("/graphql", params={"query": "{ __typename }"})
    assert response.headers["cache-control"] == "no-store"


async def test_graphiql_is_for_browsers_only(http: httpx.AsyncClient) -> None:
    page = await http.get("/graphql", headers={"accept": "text/html,*/*"})
    assert page.headers["content-type"].startswith("text/html")
    # A GET without a query from a program is a request without a query, not a page.
    program = await http.get("/graphql", headers={"accept": "*/*"})
    assert program.status_code == 400
    assert program.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
