"""Closing a socket that is already closing is not an error: a logout while the token has a
subscription open closes it with 4401 and logs no ERROR."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
import websockets

from resolvers.deps import Deps
from schema import global_id
from tests.social import Social

PROTOCOL = "graphql-transport-ws"
WAIT = 15  # seconds: a liveness bound for a shared machine, not a latency assertion
FEED_UPDATES = "subscription { feedUpdates { id } }"
POST_UPDATED = "subscription($id: ID!) { postUpdated(id: $id) { likeCount } }"


async def _channels(deps: Deps, pattern: str, count: int) -> None:
    for _ in range(1500):
        if len(await deps.redis.pubsub_channels(pattern)) >= count:
            return
        await asyncio.sleep(0.01)
    pytest.fail(f"never subscribed to {count} channel(s) {pattern}")


@pytest.mark.parametrize("over_socket", [False, True], ids=["http-logout", "socket-logout"])
@pytest.mark.parametrize("subscriptions", [1, 2])
async def test_logout_with_open_subscriptions_logs_no_error(
    social: Social,
    live_url: str,
    caplog: pytest.LogCaptureFixture,
    subscriptions: int,
    over_socket: bool,
) -> None:
    await social.user("author")
    post_id = global_id.encode("Post", await social.post("author", "watched"))
    token = await social.user("leaver")
    caplog.set_level(logging.INFO)
    ws = await websockets.connect(f"ws://{live_url}/graphql", subprotocols=[PROTOCOL])  # type: ignore[list-item]
    async with ws:
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        await ws.send(json.dumps(init))
        assert json.loads(await asyncio.wait_for(ws.recv(), WAIT))["type"] == "connection_ack"
        for i in range(subscriptions):
            query, variables = (FEED_UPDATES, {}) if i == 0 else (POST_UPDATED, {"id": post_id})
            payload = {"query": query, "variables": variables}
            await ws.send(json.dumps({"id": f"s{i}", "type": "subscribe", "payload": payload}))
        await _channels(social.deps, "live:feed:*", 1)
        if subscriptions > 1:
            await _channels(social.deps, "live:post:*", 1)
        await _channels(social.deps, "live:token:*", 1)
        if over_socket:  # as graphql-ws clients do: every operation over the one socket
            logout = {"query": "mutation { logout }"}
            await ws.send(json.dumps({"id": "out", "type": "subscribe", "payload": logout}))
        else:
            (await social.gql("mutation { logout }", token=token)).ok()
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
                # Only the logout's own answer may arrive before the close.
                assert message.get("id") == "out", message
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    # The server finishes its side of the socket after the client saw the close.
    for _ in range(200):
        if not await social.deps.redis.pubsub_channels("live:feed:*"):
            break
        await asyncio.sleep(0.01)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]


async def _until_gone(deps: Deps, pattern: str) -> None:
    for _ in range(1500):
        if not await deps.redis.pubsub_channels(pattern):
            return
        await asyncio.sleep(0.01)
    pytest.fail(f"still subscribed to {pattern}")


async def test_nothing_is_sent_once_the_server_closed_the_socket(
    social: Social, live_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A client slow to answer the close (a busy browser tab): the socket is closing but not
    closed, and an update arriving meanwhile must neither be sent nor log an error."""
    await social.user("author")
    post_id = global_id.encode("Post", await social.post("author", "watched"))
    token = await social.user("slow")
    caplog.set_level(logging.INFO)
    ws = await websockets.connect(f"ws://{live_url}/graphql", subprotocols=[PROTOCOL])  # type: ignore[list-item]
    async with ws:
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        await ws.send(json.dumps(init))
        assert json.loads(await asyncio.wait_for(ws.recv(), WAIT))["type"] == "connection_ack"
        payload = {"query": POST_UPDATED, "variables": {"id": post_id}}
        await ws.send(json.dumps({"id": "s", "type": "subscribe", "payload": payload}))
        await _channels(social.deps, "live:post:*", 1)
        await _channels(social.deps, "live:token:*", 1)
        ws.transport.pause_reading()  # the server's close frame stays unanswered
        (await social.gql("mutation { logout }", token=token)).ok()
        await _until_gone(social.deps, "live:token:*")  # the server has closed its side
        liked = await social.gql(
            "mutation($p: ID!) { likePost(postId: $p) { likeCount } }",
            {"p": post_id},
            token=social.tokens["author"],
        )
        assert liked.ok()["likePost"]["likeCount"] == 1
        await _until_gone(social.deps, "live:post:*")  # the subscription has ended
        ws.transport.resume_reading()
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
                assert message["type"] != "next", message
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]


async def test_messages_are_text_frames(live_url: str) -> None:
    """graphql-ws clients and browsers parse text frames only (the view encodes to bytes)."""
    ws = await websockets.connect(f"ws://{live_url}/graphql", subprotocols=[PROTOCOL])  # type: ignore[list-item]
    async with ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        ack = await asyncio.wait_for(ws.recv(), WAIT)
        assert isinstance(ack, str) and json.loads(ack) == {"type": "connection_ack"}
        payload = {"query": "{ __typename }"}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        answer = await asyncio.wait_for(ws.recv(), WAIT)
        assert isinstance(answer, str)
        assert json.loads(answer)["payload"] == {"data": {"__typename": "Query"}}
