"""Two API processes and two workers on one stack, as `snapfeed serve` and `snapfeed worker`
run in production: live updates and revocations cross every process boundary."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from resolvers.deps import Deps
from storage.settings import Settings
from tests import media_samples, processes

PROTOCOL = "graphql-transport-ws"
FEED_UPDATES = "subscription { feedUpdates { caption } }"
VIEWER = "{ viewer { username } }"
REGISTER = """mutation($u: String!) {
  register(input: {username: $u, password: "correct horse"}) { token user { id } }
}"""
UPLOAD_POST = "mutation($file: Upload!, $c: String) { uploadPost(file: $file, caption: $c) { id } }"
WAIT = 60


@pytest.fixture
def stack(settings: Settings, deps: Deps, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """API processes "a" and "b" (ports), workers "w1" and "w2" (processes)."""
    env = processes.cli_env(settings, SNAPFEED_TOKEN_CACHE_SECONDS="3600")
    started: dict[str, subprocess.Popen[bytes]] = {}
    ports: dict[str, int] = {}
    try:
        for name in ("a", "b"):
            ports[name] = processes.free_port()
            started[name] = processes.start(
                ["serve"], {**env, "SNAPFEED_PORT": str(ports[name])}, tmp_path / f"{name}.log"
            )
        for name in ("w1", "w2"):
            started[name] = processes.start(["worker"], env, tmp_path / f"{name}.log")
        for name in ("a", "b"):
            processes.wait_ready(ports[name], started[name], tmp_path / f"{name}.log")
        yield {"ports": ports, "procs": started}
    finally:
        for proc in started.values():
            os.kill(proc.pid, signal.SIGCONT)
            proc.terminate()
        for proc in started.values():
            proc.wait(timeout=30)


async def _gql(port: int, query: str, variables: dict[str, Any], token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            f"http://127.0.0.1:{port}/graphql",
            json={"query": query, "variables": variables},
            headers=headers,
        )
    return response.json()


async def _post(port: int, token: str, caption: str) -> None:
    operations = {"query": UPLOAD_POST, "variables": {"file": None, "c": caption}}
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            f"http://127.0.0.1:{port}/graphql",
            data={
                "operations": json.dumps(operations),
                "map": json.dumps({"0": ["variables.file"]}),
            },
            files={"0": ("p.jpg", media_samples.jpeg(64, 48), "image/jpeg")},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert "errors" not in response.json(), response.json()


async def _subscribed(port: int, token: str) -> Any:
    ws = await websockets.connect(f"ws://127.0.0.1:{port}/graphql", subprotocols=[PROTOCOL])  # type: ignore[list-item]
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    )
    assert json.loads(await asyncio.wait_for(ws.recv(), WAIT))["type"] == "connection_ack"
    payload = {"query": FEED_UPDATES, "variables": {}}
    await ws.send(json.dumps({"id": "s1", "type": "subscribe", "payload": payload}))
    return ws


async def _caption(ws: Any) -> str:
    message = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
    assert message["type"] == "next", message
    caption: str = message["payload"]["data"]["feedUpdates"]["caption"]
    return caption


async def test_fan_out_by_either_worker_reaches_sockets_on_either_api_and_logout_revokes_everywhere(
    stack: dict[str, Any], deps: Deps
) -> None:
    a, b = stack["ports"]["a"], stack["ports"]["b"]
    w1, w2 = stack["procs"]["w1"], stack["procs"]["w2"]
    author = (await _gql(a, REGISTER, {"u": "author"}))["data"]["register"]
    reader = (await _gql(b, REGISTER, {"u": "reader"}))["data"]["register"]
    follow = "mutation($id: ID!) { follow(userId: $id) { status } }"
    assert (await _gql(a, follow, {"id": author["user"]["id"]}, reader["token"]))["data"]
    sockets = [await _subscribed(a, reader["token"]), await _subscribed(b, reader["token"])]
    # Both API processes subscribed: two listeners on the reader's feed channel.
    async with asyncio.timeout(WAIT):
        channel = f"live:feed:{await _id(deps, 'reader')}"
        while (await deps.redis.pubsub_numsub(channel))[0][1] < 2:  # noqa: ASYNC110 (other processes)
            await asyncio.sleep(0.02)
    # Each post is worked by one chosen worker: the other is stopped meanwhile.
    for caption, running, paused in (("by w1", w1, w2), ("by w2", w2, w1)):
        os.kill(paused.pid, signal.SIGSTOP)
        try:
            await _post(a if running is w1 else b, author["token"], caption)
            assert [await _caption(ws) for ws in sockets] == [caption, caption]
        finally:
            os.kill(paused.pid, signal.SIGCONT)
    for ws in sockets:
        await ws.close()

    # The reader's token, cached for an hour by process b, is revoked by a logout on a.
    assert (await _gql(b, VIEWER, {}, reader["token"]))["data"]["viewer"] == {"username": "reader"}
    assert (await _gql(a, "mutation { logout }", {}, reader["token"]))["data"] == {"logout": True}
    async with asyncio.timeout(WAIT):
        while (await _gql(b, VIEWER, {}, reader["token"]))["data"]["viewer"] is not None:  # noqa: ASYNC110
            await asyncio.sleep(0.02)


async def _id(deps: Deps, username: str) -> int:
    value = await deps.db.fetchval("SELECT id FROM users WHERE username = $1", username)
    return int(value)
