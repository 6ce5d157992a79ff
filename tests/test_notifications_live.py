"""notificationReceived: new and re-folded notifications, from the worker to any API process."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from resolvers.deps import Deps
from storage.settings import Settings
from tests import processes
from tests.client import GraphQLClient
from tests.engagement_helpers import RunJobs
from tests.notification_helpers import BLOCK, Activity

RECEIVED = """subscription { notificationReceived {
  id kind actorCount read actors { username } post { caption }
} }"""
WAIT = 15  # seconds: a liveness bound for a shared machine, not a latency assertion


@pytest.fixture
def crowd(gql: GraphQLClient, deps: Deps, run_jobs: RunJobs) -> Activity:
    return Activity(gql, deps, run_jobs)


@pytest.fixture
def second_api(settings: Settings, tmp_path: Path) -> Iterator[str]:
    """Another API process on the same PostgreSQL and Valkey (`snapfeed serve`)."""
    port = processes.free_port()
    log = tmp_path / "api.log"
    proc = processes.start(["serve"], processes.cli_env(settings, SNAPFEED_PORT=str(port)), log)
    try:
        processes.wait_ready(port, proc, log)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


async def _subscribe(url: str, token: str) -> ClientConnection:
    ws = await websockets.connect(f"ws://{url}/graphql", subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
    await ws.send(json.dumps(init))
    assert json.loads(await asyncio.wait_for(ws.recv(), WAIT))["type"] == "connection_ack"
    payload = {"query": RECEIVED, "variables": {}}
    await ws.send(json.dumps({"id": "n1", "type": "subscribe", "payload": payload}))
    return ws


async def _ready(deps: Deps) -> None:
    """Wait until the server's pub/sub connection listens (no message may be lost)."""
    for _ in range(500):
        if await deps.redis.pubsub_channels("live:notifications:*"):
            return
        await asyncio.sleep(0.01)
    pytest.fail("the subscription never reached Redis")


async def _received(ws: ClientConnection) -> dict[str, Any]:
    message = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
    assert message["type"] == "next", message
    note: dict[str, Any] = message["payload"]["data"]["notificationReceived"]
    return note


async def test_new_and_refolded_notifications_reach_another_api_process(
    crowd: Activity, second_api: str
) -> None:
    for name in ("author", "ada", "bob"):
        await crowd.user(name)
    post = await crowd.share("author", "live")
    async with await _subscribe(second_api, crowd.tokens["author"]) as ws:
        await _ready(crowd.deps)
        # This process likes and folds (as a worker would); the socket is on the other.
        await crowd.like("ada", post)
        await crowd.fold()
        first = await _received(ws)
        assert (first["kind"], first["actorCount"], first["read"]) == ("LIKE", 1, False)
        assert first["actors"] == [{"username": "ada"}]
        assert first["post"] == {"caption": "live"}
        await crowd.like("bob", post)
        await crowd.fold()
        again = await _received(ws)
        assert again["id"] == first["id"]  # the same notification, folded anew
        assert (again["actorCount"], again["actors"]) == (
            2,
            [{"username": "bob"}, {"username": "ada"}],
        )


async def test_nothing_is_delivered_across_a_block(crowd: Activity, live_url: str) -> None:
    for name in ("author", "ada", "bob"):
        await crowd.user(name)
    post = await crowd.share("author", "p")
    async with await _subscribe(live_url, crowd.tokens["author"]) as ws:
        await _ready(crowd.deps)
        await crowd.like("ada", post)
        (await crowd.call("author", BLOCK, id=crowd.ids["ada"])).ok()
        await crowd.fold()  # ada's like is not folded in: they are blocked now
        await crowd.like("bob", post)
        await crowd.fold()
        note = await _received(ws)
        assert (note["actorCount"], note["actors"]) == (1, [{"username": "bob"}])
