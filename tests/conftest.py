"""Session-wide embedded PostgreSQL and Valkey; every test starts from empty tables and keys."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from moto.server import ThreadedMotoServer
from starlette.applications import Starlette

from resolvers.deps import Deps, open_deps
from server.app import create_app
from server.embedded import EmbeddedStack
from storage import migrations
from storage.settings import Settings
from tests.cassandra_node import (  # noqa: F401 -- fixtures shared by the feed tests
    cassandra_feeds,
    cassandra_hosts,
    cassandra_session_store,
    cassandra_store,
    prefetch_jars,
)
from tests.client import GraphQLClient
from tests.redis_cluster import (  # noqa: F401 -- fixtures of the tests that also run on a cluster
    cluster_parts,
    on_redis_cluster,
    redis_cluster_url,
)
from tests.round_trips import RoundTripMeter
from tests.social import Social
from workers.settings import create_worker


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    prefetch_jars(items)


@pytest.fixture(scope="session")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStack]:
    with EmbeddedStack(tmp_path_factory.mktemp("embedded"), persist=False) as stack:
        yield stack


BASE_URL = "http://snapfeed.test"


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """An in-process moto S3 server on a free port (port 0: the OS picks it, no race)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def settings(embedded: EmbeddedStack, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        database_url=embedded.database_url,
        redis_url=embedded.redis_url,
        # Upload and media URLs point at the in-process app the `http` client talks to.
        public_url=BASE_URL,
        secret_key="test-signing-key",
        media_dir=tmp_path_factory.mktemp("media"),
        # Cheap hashing keeps tests fast; production defaults are argon2id's recommended cost.
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        argon2_parallelism=1,
        # Off, so that the round trips pinned per operation do not depend on whether a token
        # was seen before; tests/test_token_cache.py turns it on.
        token_cache_seconds=0,
        # Every test client shares one address and many tests register many users.
        register_rate=100_000,
    )


@pytest.fixture(scope="session")
async def deps(settings: Settings) -> AsyncIterator[Deps]:
    assert settings.database_url and settings.redis_url
    await migrations.apply(settings.database_url)
    opened = await open_deps(
        settings,
        database_url=settings.database_url,
        redis_url=settings.redis_url,
        count_round_trips=True,
    )
    yield opened
    await opened.close()


@pytest.fixture(autouse=True)
async def clean_state(request: pytest.FixtureRequest) -> None:
    if "deps" not in request.fixturenames:
        return
    deps: Deps = request.getfixturevalue("deps")
    tables = await deps.db.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        " AND tablename <> 'schema_migrations'"
    )
    if tables:
        names = ", ".join(r["tablename"] for r in tables)
        await deps.db.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    await deps.redis.flushdb()
    # Media files of earlier tests must not satisfy "uploaded?" checks of later ones.
    for child in deps.settings.media_root.iterdir():
        shutil.rmtree(child) if child.is_dir() else child.unlink()


@pytest.fixture
def app(settings: Settings, deps: Deps) -> Starlette:
    return create_app(settings, deps)


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 5555))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        yield client


@pytest.fixture
def gql(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http)


@pytest.fixture
async def client_at(app: Starlette) -> AsyncIterator[Callable[[str], GraphQLClient]]:
    """GraphQL clients calling the app from other client addresses than `http`'s."""
    opened: list[httpx.AsyncClient] = []

    def make(address: str) -> GraphQLClient:
        transport = httpx.ASGITransport(app=app, client=(address, 5555))
        opened.append(httpx.AsyncClient(transport=transport, base_url=BASE_URL))
        return GraphQLClient(opened[-1])

    yield make
    for client in opened:
        await client.aclose()


@pytest.fixture
def run_jobs(settings: Settings, deps: Deps) -> Callable[[], Awaitable[int]]:
    """Run a real arq worker in burst mode until the queue is empty; returns jobs completed."""

    async def run() -> int:
        worker = create_worker(settings, deps=deps, burst=True, poll_delay=0.01, cron_jobs=[])
        try:
            await worker.async_run()
        finally:
            await worker.close()
        return int(worker.jobs_complete)

    return run


@pytest.fixture
def social(gql: GraphQLClient, deps: Deps, run_jobs: Callable[[], Awaitable[int]]) -> Social:
    """Users with tokens, and posts published through the real publish and fan-out path."""
    return Social(gql, deps, run_jobs)


@pytest.fixture
async def live_url(app: Starlette) -> AsyncIterator[str]:
    """The app served by a real uvicorn on a free loopback port, for WebSocket clients."""
    import asyncio
    import socket

    import uvicorn

    from server.cli import InProcessServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = InProcessServer(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "uvicorn failed to start"
        await asyncio.sleep(0.01)
    yield f"127.0.0.1:{port}"
    server.should_exit = True
    await task


@pytest.fixture(params=["single", "cluster"])
def redis_kind(request: pytest.FixtureRequest, deps: Deps) -> str:
    """Modules that say `pytestmark = pytest.mark.usefixtures("redis_kind")` run each test on
    one Valkey node and on a 3-master Redis Cluster (SNAPFEED_REDIS_URL=redis+cluster://...)."""
    if request.param == "cluster":
        request.getfixturevalue("on_redis_cluster")
    return str(request.param)


@pytest.fixture
def round_trips(deps: Deps) -> RoundTripMeter:
    """`async with round_trips() as cost: ...`, then `cost.db` and `cost.redis`."""
    return RoundTripMeter(deps)


@pytest.fixture
def tune(deps: Deps) -> Iterator[Callable[..., None]]:
    """Change settings for one test (resolvers and jobs read deps.settings at call time)."""
    original = deps.settings

    def apply(**changes: Any) -> None:
        deps.settings = original.replace(**changes)

    yield apply
    deps.settings = original
