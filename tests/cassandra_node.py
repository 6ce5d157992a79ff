"""Session-wide Cassandra for the feed-store tests: a cluster named by SNAPFEED_CASSANDRA_HOSTS,
or else the embedded node (server/embedded_cassandra.py), started once per session.

Only a machine without `java` (or without `mvn` before the jars are cached) skips these
tests, and the skip says which is missing. Each session works in a keyspace of its own,
dropped at the end; tests empty `feed_items` before they run.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

import pytest

from resolvers.deps import Deps
from server.embedded_cassandra import (
    CassandraUnavailable,
    EmbeddedCassandra,
    ensure_jars,
    missing_tools,
)
from storage import keys
from storage.settings import Settings

if TYPE_CHECKING:  # cassandra-driver is imported only when a test needs Cassandra
    from storage.feeds.cassandra import CassandraFeedStore


def prefetch_jars(items: list[pytest.Item]) -> None:
    """Fetch the Cassandra jars before any test runs when a selected test needs them.

    The first fetch downloads ~70 MB with Maven; done here, it does not count against the
    per-test timeout of the first Cassandra test. A failure is left for that test to report.
    """
    if _cassandra_settings().cassandra_hosts or missing_tools():
        return
    if any("cassandra_hosts" in getattr(item, "fixturenames", ()) for item in items):
        with contextlib.suppress(CassandraUnavailable):
            ensure_jars()


def _cassandra_settings() -> Settings:
    # Only the settings object parses SNAPFEED_*; the other variables belong to other fixtures.
    environ = {k: v for k, v in os.environ.items() if k.startswith("SNAPFEED_CASSANDRA")}
    return Settings.from_env(environ)


@pytest.fixture(scope="session")
def cassandra_hosts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ...]]:
    """Contact points of the Cassandra under test."""
    configured = _cassandra_settings().cassandra_hosts
    if configured:
        yield configured
        return
    missing = missing_tools()
    if missing:
        pytest.skip(
            f"Cassandra tests need java and mvn (the embedded Cassandra): {' and '.join(missing)}"
            " not found on PATH"
        )
    with EmbeddedCassandra(tmp_path_factory.mktemp("cassandra")) as node:
        yield node.hosts


@pytest.fixture(scope="session")
async def cassandra_session_store(
    cassandra_hosts: tuple[str, ...],
) -> AsyncIterator[CassandraFeedStore]:
    from storage.feeds.cassandra import CassandraFeedStore

    prefix = _cassandra_settings().cassandra_keyspace[:30]
    keyspace = f"{prefix}_test_{secrets.token_hex(4)}"
    store = await CassandraFeedStore.connect(cassandra_hosts, keyspace)
    try:
        yield store
    finally:
        try:
            drop = f"DROP KEYSPACE IF EXISTS {keyspace}"
            await asyncio.to_thread(store.session.execute, drop, timeout=60.0)
        finally:
            await store.close()


async def empty_cassandra_feeds(store: CassandraFeedStore) -> None:
    # TRUNCATE waits for every node: more than a query's default timeout.
    truncate = f"TRUNCATE {keys.CASSANDRA_FEED_ITEMS}"
    await asyncio.to_thread(store.session.execute, truncate, timeout=60.0)


@pytest.fixture
async def cassandra_store(cassandra_session_store: CassandraFeedStore) -> CassandraFeedStore:
    """The session's Cassandra feed store, with an empty feed table."""
    await empty_cassandra_feeds(cassandra_session_store)
    return cassandra_session_store


@pytest.fixture
async def cassandra_feeds(
    deps: Deps, cassandra_store: CassandraFeedStore, cassandra_hosts: tuple[str, ...]
) -> AsyncIterator[None]:
    """For one test, `deps` keeps feeds in Cassandra, as SNAPFEED_FEED_STORE=cassandra does."""
    original_store, original_settings = deps.feeds, deps.settings
    deps.feeds = cassandra_store
    deps.settings = original_settings.replace(
        feed_store="cassandra", cassandra_hosts=cassandra_hosts
    )
    try:
        yield
    finally:
        deps.feeds, deps.settings = original_store, original_settings
    # Proof that the test ran on Cassandra: nothing reached PostgreSQL's feed table.
    assert await deps.db.fetchval("SELECT count(*) FROM feed_items") == 0
