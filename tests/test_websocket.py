"""graphql-transport-ws against a real uvicorn: auth from connection_init, and sockets that
stop acting for their viewer once the token is revoked or expires."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from resolvers import live
from resolvers.accounts import hash_token
from resolvers.deps import Deps
from schema import global_id
from tests.client import GraphQLClient
from tests.social import Social

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


WAIT = 15  # seconds: a liveness bound for a shared machine, not a latency assertion
LIKE = "mutation($p: ID!) { likePost(postId: $p) { likeCount } }"
COMMENT = 'mutation($p: ID!) { addComment(postId: $p, body: "still me?") { id } }'


async def _signed_in_socket(url: str, token: str) -> ClientConnection:
    ws = await _init(url, {"authorization": f"Bearer {token}"})
    assert (await asyncio.wait_for(_recv(ws), WAIT))["type"] == "connection_ack"
    return ws


async def _act(ws: ClientConnection, post_id: str) -> None:
    """A like, a comment and a query, sent as fast as they go (the socket may close meanwhile)."""
    operations = [(LIKE, {"p": post_id}), (COMMENT, {"p": post_id}), ("{ viewer { id } }", {})]
    with contextlib.suppress(websockets.ConnectionClosed):
        for i, (query, variables) in enumerate(operations):
            payload = {"query": query, "variables": variables}
            await ws.send(json.dumps({"id": f"op{i}", "type": "subscribe", "payload": payload}))


async def _close_code(ws: ClientConnection) -> int:
    """Read until the server closes the socket; fail on any answer to an operation."""
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
            assert message["type"] not in ("next", "complete"), message
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


async def _engagement(deps: Deps) -> tuple[int, int]:
    likes = await deps.db.fetchval("SELECT count(*) FROM likes")
    comments = await deps.db.fetchval("SELECT count(*) FROM comments")
    return likes, comments


async def _target(social: Social) -> str:
    await social.user("author")
    return global_id.encode("Post", await social.post("author", "like me"))


async def test_after_logout_a_socket_no_longer_acts_for_the_viewer(
    social: Social, live_url: str
) -> None:
    post_id = await _target(social)
    token = await social.user("leaver")
    async with await _signed_in_socket(live_url, token) as ws:
        (await social.gql("mutation { logout }", token=token)).ok()  # over HTTP
        await _act(ws, post_id)
        assert await _close_code(ws) == 4401
    assert await _engagement(social.deps) == (0, 0)


@pytest.mark.parametrize(
    "end_session",
    [
        # Revoked without the live publication: each operation checks the token itself.
        "UPDATE auth_tokens SET revoked_at = now()",
        # The token's lifetime passed while the socket was open.
        "UPDATE auth_tokens SET expires_at = now() - interval '1 second'",
    ],
)
async def test_a_socket_whose_token_ended_runs_nothing(
    social: Social, live_url: str, end_session: str
) -> None:
    post_id = await _target(social)
    token = await social.user("ending")
    async with await _signed_in_socket(live_url, token) as ws:
        # Working until then.
        await ws.send(
            json.dumps({"id": "q", "type": "subscribe", "payload": {"query": "{ viewer { id } }"}})
        )
        assert (await asyncio.wait_for(_recv(ws), WAIT))["payload"]["data"]["viewer"]["id"]
        assert (await asyncio.wait_for(_recv(ws), WAIT))["type"] == "complete"
        await social.deps.db.execute(end_session)
        await _act(ws, post_id)
        assert await _close_code(ws) == 4401
    assert await _engagement(social.deps) == (0, 0)


async def test_an_idle_socket_closes_on_logout(social: Social, live_url: str) -> None:
    """No subscription, no operation: the socket itself watches its token."""
    token = await social.user("idle")
    async with await _signed_in_socket(live_url, token) as ws:
        (await social.gql("mutation { logout }", token=token)).ok()
        assert await _close_code(ws) == 4401


async def test_session_end_waits_for_expiry_or_revocation(gql: GraphQLClient, deps: Deps) -> None:
    token, _ = await gql.register("watched")
    token_hash = hash_token(token)
    soon = datetime.now(UTC) + timedelta(milliseconds=200)
    assert await live.session_end(deps, token_hash, soon) is live.SessionEnd.EXPIRED
    far = datetime.now(UTC) + timedelta(days=1)
    watching = asyncio.create_task(live.session_end(deps, token_hash, far))
    for _ in range(500):
        if await deps.redis.pubsub_channels("live:token:*"):
            break
        await asyncio.sleep(0.01)
    (await gql("mutation { logout }", token=token)).ok()
    assert await asyncio.wait_for(watching, WAIT) is live.SessionEnd.SIGNED_OUT
    # Revoked before the watch began: it ends at once.
    assert await live.session_end(deps, token_hash, far) is live.SessionEnd.SIGNED_OUT


async def test_the_legacy_graphql_ws_protocol_is_not_served(live_url: str) -> None:
    ws = await websockets.connect(f"ws://{live_url}/graphql", subprotocols=["graphql-ws"])  # type: ignore[list-item]
    assert ws.subprotocol is None
    assert await _close_code(ws) == 4406
