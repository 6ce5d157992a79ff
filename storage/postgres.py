"""The asyncpg pool and a round-trip counter used by tests and metrics."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

CONNECT_TIMEOUT_SECONDS = 5.0


class RoundTripCounter:
    """Counts every statement sent to PostgreSQL through pools it is attached to."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, _record: Any) -> None:
        self.count += 1


async def open_pool(
    dsn: str, *, min_size: int, max_size: int, counter: RoundTripCounter | None = None
) -> asyncpg.Pool:
    async def init(conn: asyncpg.Connection) -> None:
        await conn.set_type_codec(
            "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )
        # asyncpg looks up an array type the first time a connection binds one: do it now,
        # so queries never pay (and round-trip counts never include) those lookups.
        await conn.fetchval("SELECT $1::bigint[], $2::text[], $3::int[]", [], [], [])
        if counter is not None:
            conn.add_query_logger(counter)

    async def reset(_conn: asyncpg.Connection) -> None:
        # asyncpg still rolls back an open transaction on release. Snapfeed never leaves
        # session state behind (no SET, LISTEN, pooled advisory locks or open cursors), so
        # the default `RESET ALL; UNLISTEN *; ...` would be a wasted round trip per query.
        return None

    # A PostgreSQL that is down or unreachable fails a request within this, never hangs it.
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=init,
        reset=reset,
        timeout=CONNECT_TIMEOUT_SECONDS,
    )
    assert pool is not None
    return pool


async def ping(pool: asyncpg.Pool) -> None:
    await pool.fetchval("SELECT 1")
