"""Build the configured feed store."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from storage.feeds.base import FeedStore
from storage.feeds.postgres import PostgresFeedStore


async def open_feed_store(
    *,
    backend: str,
    db: asyncpg.Pool,
    cassandra_hosts: Sequence[str],
    cassandra_keyspace: str,
) -> FeedStore:
    """`backend` is "postgres" (the `feed_items` table of `db`) or "cassandra"."""
    if backend == "postgres":
        return PostgresFeedStore(db)
    if backend == "cassandra":
        if not cassandra_hosts:
            raise ValueError("the cassandra feed store needs SNAPFEED_CASSANDRA_HOSTS")
        # Imported here: deployments on PostgreSQL never load cassandra-driver.
        from storage.feeds.cassandra import CassandraFeedStore

        return await CassandraFeedStore.connect(cassandra_hosts, cassandra_keyspace)
    raise ValueError(f"unknown feed store backend {backend!r} (expected 'postgres' or 'cassandra')")
