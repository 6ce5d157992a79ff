"""Live updates over graphql-transport-ws against a real uvicorn (and a second process)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from resolvers.deps import Deps
from schema import global_id
from storage.settings import Settings
from tests import media_samples, processes
from tests.client import create_post, upload
from tests.social import Social

# Each test runs on one Valkey node and on a Redis Cluster (tests/conftest.py, redis_kind).
pytestmark = pytest.mark.usefixtures("redis_kind")

PROTOCOL = "graphql-transport-ws"
FEED_UPDATES = "subscription { feedUpdates { id caption author { username } } }"
POST_UPDATED = "subscription($id: ID!) { postUpdated(id: $id) { status likeCount } }"
WAIT = 15  # seconds: a liveness bound for a shared machine, not a latency assertion


async def _connect(url: str, token: str | None) -> ClientConnection:
    ws = await websockets.connect(f"ws://{url}/graphql", subprotocols=[PROTOCOL])  # type: ignore[list-item]
    payload = {"authorization": f"Bearer {token}"} if token else {}
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    ack = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
    assert ack["type"] == "connection_ack", ack
    return ws


async def _subscribe(
    ws: ClientConnection, query: str, variables: dict[str, Any] | None = None
) -> None:
    payload = {"query": query, "variables": variables or {}}
    await ws.send(json.dumps({"id": "s1", "type": "subscribe", "payload": payload}))


async def _next(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
    return message


async def _ready(deps: Deps, channel_prefix: str = "live:") -> None:
    """Wait until the server's pub/sub connection has subscribed (no message may be lost)."""
    for _ in range(500):
        # PUBSUB CHANNELS: a cluster client asks every node (pubsub_channels is one node's).
        channels = await deps.redis.execute_command("PUBSUB CHANNELS", channel_prefix + "*")
        if channels:
            return
        await asyncio.sleep(0.01)
    pytest.fail("the subscription never reached Redis")


async def test_feed_updates_for_a_normal_author(social: Social, live_url: str) -> None:
    for name in ("author", "reader"):
        await social.user(name)
    await social.follow("reader", "author")
    ws = await _connect(live_url, social.tokens["reader"])
    async with ws:
        await _subscribe(ws, FEED_UPDATES)
        await _ready(social.deps, "live:feed:")
        await social.post("author", "fresh off the press")
        message = await _next(ws)
        assert message["type"] == "next"
        post = message["payload"]["data"]["feedUpdates"]
        assert post["caption"] == "fresh off the press"
        assert post["author"] == {"username": "author"}


async def test_feed_updates_for_a_celebrity_author(
    social: Social, live_url: str, tune: Callable[..., None]
) -> None:
    tune(celebrity_followers=2)
    for name in ("star", "reader", "fan"):
        await social.user(name)
    await social.follow("reader", "star")
    await social.follow("fan", "star")
    ws = await _connect(live_url, social.tokens["reader"])
    async with ws:
        await _subscribe(ws, FEED_UPDATES)
        await _ready(social.deps, "live:author:")
        await social.post("star", "to my many fans")
        message = await _next(ws)
        assert message["payload"]["data"]["feedUpdates"]["caption"] == "to my many fans"
    # The celebrity's post reached nobody's stored feed: it is merged at read.
    assert await social.feed_rows("reader") == 0


async def test_subscriptions_need_a_signed_in_viewer(social: Social, live_url: str) -> None:
    async with await _connect(live_url, None) as ws:
        await _subscribe(ws, FEED_UPDATES)
        message = await _next(ws)
        assert message["type"] in ("error", "next")
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_post_updated_refuses_invisible_posts(social: Social, live_url: str) -> None:
    for name in ("secretive", "stranger"):
        await social.user(name)
    await social.gql(
        "mutation { updateProfile(input: {isPrivate: true}) { id } }",
        token=social.tokens["secretive"],
    )
    post_id = await social.post("secretive", "hidden")
    async with await _connect(live_url, social.tokens["stranger"]) as ws:
        await _subscribe(ws, POST_UPDATED, {"id": global_id.encode("Post", post_id)})
        message = await _next(ws)
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "NOT_FOUND"


async def test_post_updated_follows_processing_then_coalesces_likes(
    social: Social, live_url: str
) -> None:
    gql, deps = social.gql, social.deps
    token = await social.user("uploader")
    media_id = await upload(gql, token, media_samples.jpeg(400, 300), "image/jpeg")
    post = (await create_post(gql, token, [media_id])).ok()["createPost"]
    async with await _connect(live_url, token) as ws:
        await _subscribe(ws, POST_UPDATED, {"id": post["id"]})
        await _ready(deps, "live:post:")
        await social.run_jobs()
        assert (await _next(ws))["payload"]["data"]["postUpdated"]["status"] == "PUBLISHED"
        likers = [(await gql.register(f"liker{i:02d}"))[0] for i in range(20)]
        like = "mutation($id: ID!) { likePost(postId: $id) { likeCount } }"
        await asyncio.gather(*(gql(like, {"id": post["id"]}, token=t) for t in likers))
        counts: list[int] = []
        while not counts or counts[-1] < 20:
            counts.append((await _next(ws))["payload"]["data"]["postUpdated"]["likeCount"])
        # 20 likes in a burst reach the socket as a few coalesced updates, the last exact.
        assert counts[-1] == 20 and len(counts) < 20


async def test_logout_ends_the_tokens_sockets(social: Social, live_url: str) -> None:
    token = await social.user("leaving")
    ws = await _connect(live_url, token)
    await _subscribe(ws, FEED_UPDATES)
    await _ready(social.deps, "live:token:")
    (await social.gql("mutation { logout }", token=token)).ok()
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            await _next(ws)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


@pytest.fixture
def second_api(
    settings: Settings, tmp_path: Path, request: pytest.FixtureRequest, redis_kind: str
) -> Iterator[str]:
    """Another API process on the same PostgreSQL and Valkey (`snapfeed serve`), or on the
    same Redis Cluster with the job queue on the single node."""
    port = processes.free_port()
    log = tmp_path / "api.log"
    env = processes.cli_env(settings, SNAPFEED_PORT=str(port))
    if redis_kind == "cluster":
        assert settings.redis_url
        env["SNAPFEED_REDIS_URL"] = request.getfixturevalue("redis_cluster_url")
        env["SNAPFEED_QUEUE_REDIS_URL"] = settings.redis_url
    proc = processes.start(["serve"], env, log)
    try:
        processes.wait_ready(port, proc, log)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


async def test_socket_on_another_process_gets_the_workers_publication(
    social: Social, second_api: str
) -> None:
    for name in ("author", "reader"):
        await social.user(name)
    await social.follow("reader", "author")
    ws = await _connect(second_api, social.tokens["reader"])
    async with ws:
        await _subscribe(ws, FEED_UPDATES)
        await _ready(social.deps, "live:feed:")
        # This process's worker fans out; the socket lives in the other API process.
        await social.post("author", "across processes")
        message = await _next(ws)
        assert message["payload"]["data"]["feedUpdates"]["caption"] == "across processes"


async def _closed_with(ws: ClientConnection) -> int:
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            await _next(ws)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


async def test_logout_on_one_process_closes_sockets_on_another(
    social: Social, live_url: str, second_api: str
) -> None:
    token = await social.user("roamer")
    login = 'mutation { login(username: "roamer", password: "correct horse") { token } }'
    other_token = (await social.gql(login)).ok()["login"]["token"]
    # Signed in, no subscription: the sockets themselves watch their tokens.
    there = await _connect(second_api, token)
    here = await _connect(live_url, other_token)
    (await social.gql("mutation { logout }", token=token)).ok()  # this process
    assert await _closed_with(there) == 4401
    async with httpx.AsyncClient() as client:  # the other process
        response = await client.post(
            f"http://{second_api}/graphql",
            json={"query": "mutation { logout }"},
            headers={"Authorization": f"Bearer {other_token}"},
        )
    assert response.json()["data"] == {"logout": True}
    assert await _closed_with(here) == 4401


async def test_a_socket_whose_token_was_revoked_cannot_subscribe(
    social: Social, live_url: str
) -> None:
    token = await social.user("idle_socket")
    ws = await _connect(live_url, token)
    (await social.gql("mutation { logout }", token=token)).ok()  # no subscription yet
    await _subscribe(ws, FEED_UPDATES)
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            await _next(ws)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
