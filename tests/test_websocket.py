"""graphql-transport-ws against a real uvicorn: auth from connection_init."""

from __future__ import annotations

import json
from typing import Any

import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from tests.client import GraphQLClient

PROTOCOL = "graphql-transport-ws"


async def _init(url: str, payload: dict[str, Any]) -> ClientConnection:
    ws = await websockets.connect(f"ws://{url}/graphql", subprotocols=[PROTOCOL])  # type: ignore[list-item]
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    return ws


async def _recv(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await ws.recv())
    return message


async def test_query_over_websocket_sees_the_viewer(gql: GraphQLClient, live_url: str) -> None:
    token, _ = await gql.register("socketeer")
    ws = await _init(live_url, {"authorization": f"Bearer {token}"})
    async with ws:
        assert (await _recv(ws))["type"] == "connection_ack"
        await ws.send(json.dumps({"type": "ping"}))
        assert (await _recv(ws))["type"] == "pong"
        await ws.send(
            json.dumps(
                {"id": "1", "type": "subscribe", "payload": {"query": "{ viewer { username } }"}}
            )
        )
        assert await _recv(ws) == {
            "id": "1",
            "type": "next",
            "payload": {"data": {"viewer": {"username": "socketeer"}}},
        }
        assert await _recv(ws) == {"id": "1", "type": "complete"}


async def test_anonymous_socket_has_no_viewer(live_url: str) -> None:
    async with await _init(live_url, {}) as ws:
        assert (await _recv(ws))["type"] == "connection_ack"
        await ws.send(
            json.dumps({"id": "a", "type": "subscribe", "payload": {"query": "{ viewer { id } }"}})
        )
        assert (await _recv(ws))["payload"] == {"data": {"viewer": None}}


@pytest.mark.parametrize("authorization", ["Bearer not-a-token", "Basic abc", "Bearer"])
async def test_bad_token_is_refused(live_url: str, authorization: str) -> None:
    ws = await _init(live_url, {"authorization": authorization})
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_revoked_token_is_refused(gql: GraphQLClient, live_url: str) -> None:
    token, _ = await gql.register("leaver")
    (await gql("mutation { logout }", token=token)).ok()
    ws = await _init(live_url, {"authorization": f"Bearer {token}"})
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_other_origins_are_refused(live_url: str) -> None:
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(
            f"ws://{live_url}/graphql",
            subprotocols=[PROTOCOL],  # type: ignore[list-item]
            origin="https://evil.example",  # type: ignore[arg-type]
        )
    assert refused.value.response.status_code == 403


async def test_each_operation_on_a_socket_sees_fresh_data(
    gql: GraphQLClient, live_url: str
) -> None:
    token, _ = await gql.register("fresh")
    query = json.dumps({"type": "subscribe", "payload": {"query": "{ viewer { bio } }"}})
    async with await _init(live_url, {"authorization": f"Bearer {token}"}) as ws:
        assert (await _recv(ws))["type"] == "connection_ack"
        await ws.send(query.replace('"type"', '"id": "1", "type"'))
        assert (await _recv(ws))["payload"] == {"data": {"viewer": {"bio": None}}}
        assert (await _recv(ws))["type"] == "complete"
        await gql('mutation { updateProfile(input: {bio: "new"}) { bio } }', token=token)
        await ws.send(query.replace('"type"', '"id": "2", "type"'))
        assert (await _recv(ws))["payload"] == {"data": {"viewer": {"bio": "new"}}}
