"""Apollo's automatic persisted queries over POST, GET and WebSocket, shared through Redis,
and trusted documents registered with `snapfeed documents add`."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from resolvers.deps import Deps
from resolvers.documents import PersistedDocuments, sha256_hex
from storage import keys
from storage.settings import Settings
from tests import processes
from tests.client import GraphQLClient

QUERY = 'query Profile { user(username: "apq_user") { username } }'
HASH = sha256_hex(QUERY)
GQL_JSON = "application/graphql-response+json"


@pytest.fixture(autouse=True)
def fresh_documents(deps: Deps) -> Iterator[None]:
    """Each test starts with this process knowing no document (as the database and Redis)."""
    deps.documents = PersistedDocuments()
    yield
    deps.documents = PersistedDocuments()


def _persisted(digest: str = HASH) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


async def _post(
    http: httpx.AsyncClient, body: dict[str, Any], accept: str = "application/json"
) -> httpx.Response:
    return await http.post("/graphql", json=body, headers={"accept": accept})


async def _get(
    http: httpx.AsyncClient, query: str | None = None, digest: str = HASH, **headers: str
) -> httpx.Response:
    params = {"extensions": json.dumps(_persisted(digest))}
    if query is not None:
        params["query"] = query
    return await http.get("/graphql", params=params, headers=headers)


def _codes(response: httpx.Response) -> list[str]:
    return [e["extensions"]["code"] for e in response.json().get("errors", [])]


async def test_apq_over_post(gql: GraphQLClient, deps: Deps) -> None:
    await gql.register("apq_user")
    unknown = await _post(gql.http, {"extensions": _persisted()})
    assert unknown.status_code == 200
    assert unknown.json() == {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ]
    }
    modern = await _post(gql.http, {"extensions": _persisted()}, GQL_JSON)
    assert modern.status_code == 404 and _codes(modern) == ["PERSISTED_QUERY_NOT_FOUND"]

    # Apollo Client's retry: the text with its hash. It runs, and is remembered in Redis.
    sent = await _post(gql.http, {"query": QUERY, "extensions": _persisted()})
    assert sent.json()["data"] == {"user": {"username": "apq_user"}}
    assert await deps.redis.get(keys.persisted_query(HASH)) == QUERY.encode()
    assert 0 < await deps.redis.ttl(keys.persisted_query(HASH)) <= 7 * 24 * 3600

    # From now on the hash is enough, for this process and (through Redis) for any other.
    for _ in range(2):
        by_hash = await _post(gql.http, {"extensions": _persisted()})
        assert by_hash.json()["data"] == {"user": {"username": "apq_user"}}
        deps.documents = PersistedDocuments()  # another process: only Redis is shared


async def test_apq_over_get_is_cacheable(gql: GraphQLClient) -> None:
    await gql.register("apq_user")
    assert _codes(await _get(gql.http)) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert (await _get(gql.http, QUERY)).json()["data"]["user"] == {"username": "apq_user"}
    by_hash = await _get(gql.http)
    assert by_hash.json()["data"]["user"] == {"username": "apq_user"}
    assert by_hash.headers["cache-control"] == "public, max-age=30"


async def test_apq_mutations_only_over_post(gql: GraphQLClient) -> None:
    token, _ = await gql.register("apq_writer")
    mutation = 'mutation Bio { updateProfile(input: {bio: "hashed"}) { bio } }'
    digest = sha256_hex(mutation)
    posted = await gql.http.post(
        "/graphql",
        json={"query": mutation, "extensions": _persisted(digest)},
        headers={"authorization": f"Bearer {token}"},
    )
    assert posted.json()["data"] == {"updateProfile": {"bio": "hashed"}}
    by_get = await _get(gql.http, digest=digest, authorization=f"Bearer {token}")
    assert by_get.status_code == 405 and by_get.headers["allow"] == "POST"


async def test_a_hash_that_does_not_match_its_query_is_refused(
    gql: GraphQLClient, deps: Deps
) -> None:
    other = "{ __typename }"
    refused = await _post(gql.http, {"query": other, "extensions": _persisted()})
    assert _codes(refused) == ["BAD_USER_INPUT"]
    assert "data" not in refused.json()
    assert await deps.redis.exists(keys.persisted_query(HASH)) == 0
    # So a hash can never be made to stand for another query.
    assert _codes(await _post(gql.http, {"extensions": _persisted()})) == [
        "PERSISTED_QUERY_NOT_FOUND"
    ]


async def test_invalid_documents_are_not_remembered(gql: GraphQLClient, deps: Deps) -> None:
    broken = "{ nope }"
    digest = sha256_hex(broken)
    answer = await _post(gql.http, {"query": broken, "extensions": _persisted(digest)})
    assert _codes(answer) == ["BAD_USER_INPUT"]
    assert await deps.redis.exists(keys.persisted_query(digest)) == 0


async def _register(settings: Settings, tmp_path: Path, *files: tuple[str, str]) -> str:
    paths = []
    for name, text in files:
        path = tmp_path / name
        path.write_text(text)
        paths.append(str(path))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server.cli",
        "documents",
        "add",
        *paths,
        env=processes.cli_env(settings),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 50)
    assert proc.returncode == 0, out.decode()
    return out.decode()


async def test_trusted_documents_only(
    gql: GraphQLClient,
    settings: Settings,
    tune: Callable[..., None],
    tmp_path: Path,
    live_url: str,
) -> None:
    await gql.register("apq_user")
    manifest = {
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [{"id": HASH, "name": "Profile", "type": "query", "body": QUERY}],
    }
    out = await _register(settings, tmp_path, ("manifest.json", json.dumps(manifest)))
    assert "1 new of 1 document(s); 1 trusted document(s) registered" in out
    tune(trusted_documents=True)

    # Registered: by hash (POST, GET), or by its exact text.
    assert (await _post(gql.http, {"extensions": _persisted()})).json()["data"]["user"]
    assert (await _get(gql.http)).json()["data"]["user"]
    assert (await _post(gql.http, {"query": QUERY})).json()["data"]["user"]

    # Anything else is refused, however it comes, and nothing new gets remembered.
    other = "{ __typename }"
    for body in ({"query": other}, {"query": other, "extensions": _persisted(sha256_hex(other))}):
        refused = await _post(gql.http, body, GQL_JSON)
        assert refused.status_code == 403 and _codes(refused) == ["FORBIDDEN"]
        assert "data" not in refused.json()
    unknown = await _post(gql.http, {"extensions": _persisted(sha256_hex(other))})
    assert _codes(unknown) == ["PERSISTED_QUERY_NOT_FOUND"]

    # And over a WebSocket.
    ws = await websockets.connect(f"ws://{live_url}/graphql", subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    async with ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "x", "type": "subscribe", "payload": {"query": other}}))
        error = json.loads(await asyncio.wait_for(ws.recv(), 15))
        assert error["type"] == "error" and error["id"] == "x"
        assert [e["extensions"]["code"] for e in error["payload"]] == ["FORBIDDEN"]
        payload = {"query": None, "extensions": _persisted()}
        await ws.send(json.dumps({"id": "y", "type": "subscribe", "payload": payload}))
        answer = json.loads(await asyncio.wait_for(ws.recv(), 15))
        assert answer["payload"]["data"]["user"] == {"username": "apq_user"}


async def test_registration_checks_every_document_first(
    gql: GraphQLClient, settings: Settings, tmp_path: Path, deps: Deps
) -> None:
    good = ("good.graphql", QUERY)
    (tmp_path / "good.graphql").write_text(QUERY)
    (tmp_path / "bad.graphql").write_text("{ nope }")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server.cli",
        "documents",
        "add",
        str(tmp_path / "good.graphql"),
        str(tmp_path / "bad.graphql"),
        env=processes.cli_env(settings),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 50)
    assert proc.returncode == 1
    assert "nothing registered" in out.decode() and "nope" in out.decode()
    assert await deps.db.fetchval("SELECT count(*) FROM trusted_documents") == 0
    # The same document twice, or again later, is registered once.
    assert "1 new of 1 document(s)" in await _register(settings, tmp_path, good, good)
    assert "0 new of 1 document(s)" in await _register(settings, tmp_path, good)
