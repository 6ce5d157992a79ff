"""The asyncpg pool and a round-trip counter used by tests and metrics."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy

CONNECT_TIMEOUT_SECONDS = 5.0


class RoundTripCounter:
    """Counts every statement sent to PostgreSQL through pools it is attached to."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, _record: Any) -> None:
        self.count += 1


class Pool(asyncpg.Pool):  # type: ignore[misc]  # asyncpg has no type hints
    """asyncpg's pool, lending a few connections it keeps checked out to single statements.

    `Pool.fetch` and its kind acquire a connection for each statement and release it after:
    a proxy, the holder's checks, a timeout context and a shielded task for the release,
    about 0.07 ms of CPU per statement here (a quarter of what a page's one statement costs
    the API). Up to `kept` connections are acquired once and lent instead. A statement that
    fails in any way gives its connection back to the pool (which closes a broken one) and a
    closed one is never lent (PostgreSQL restarted): the next statement acquires another.
    When all are busy a statement takes the pool's own path, as do transactions and
    everything else that acquires a connection.
    """

    def __init__(self, *args: Any, kept: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._kept = kept
        self._idle: list[PoolConnectionProxy] = []
        self._lent = 0  # kept connections, idle or busy

    async def _borrow(self) -> PoolConnectionProxy | None:
        idle = self._idle
        while idle:
            con = idle.pop()
            if _open(con):
                return con
            await self._give_back(con)
        if self._lent >= self._kept or self._closing or self._closed:
            return None
        self._lent += 1
        try:
            return await self.acquire()
        except BaseException:
            self._lent -= 1
            raise

    async def _give_back(self, con: PoolConnectionProxy) -> None:
        self._lent -= 1
        await self.release(con)

    async def _run(
        self,
        statement: Callable[[PoolConnectionProxy], Awaitable[Any]],
        pooled: Callable[[], Awaitable[Any]],
    ) -> Any:
        con = await self._borrow()
        if con is None:
            return await pooled()
        try:
            result = await statement(con)
        except BaseException:
            await self._give_back(con)
            raise
        if self._closing:
            await self._give_back(con)
        else:
            self._idle.append(con)
        return result

    # The statements asyncpg's pool runs on a connection of its own; `options` as theirs.
    async def fetch(self, query: str, *args: Any, **options: Any) -> list[Any]:
        rows: list[Any] = await self._run(
            lambda con: con.fetch(query, *args, **options),
            lambda: asyncpg.Pool.fetch(self, query, *args, **options),
        )
        return rows

    async def fetchrow(self, query: str, *args: Any, **options: Any) -> Any:
        return await self._run(
            lambda con: con.fetchrow(query, *args, **options),
            lambda: asyncpg.Pool.fetchrow(self, query, *args, **options),
        )

    async def fetchval(self, query: str, *args: Any, **options: Any) -> Any:
        return await self._run(
            lambda con: con.fetchval(query, *args, **options),
            lambda: asyncpg.Pool.fetchval(self, query, *args, **options),
        )

    async def execute(self, query: str, *args: Any, **options: Any) -> str:
        status: str = await self._run(
            lambda con: con.execute(query, *args, **options),
            lambda: asyncpg.Pool.execute(self, query, *args, **options),
        )
        return status

    async def close(self) -> None:
        while self._idle:
            await self._give_back(self._idle.pop())
        await super().close()

    def terminate(self) -> None:
        self._idle.clear()
        self._lent = 0
        super().terminate()


def _open(con: PoolConnectionProxy) -> bool:
    try:
        return not con.is_closed()
    except asyncpg.InterfaceError:  # asyncpg released it when the server closed it
        return False


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
    pool = Pool(
        dsn,
        # Half at most: `acquire` (transactions) must always find a connection of its own.
        kept=max_size // 2,
        min_size=min_size,
        max_size=max_size,
        max_queries=50_000,  # asyncpg.create_pool's defaults, from here on
        max_inactive_connection_lifetime=300.0,
        init=init,
        reset=reset,
        loop=None,
        connection_class=asyncpg.Connection,
        record_class=asyncpg.Record,
        timeout=CONNECT_TIMEOUT_SECONDS,
    )
    await pool
    return pool


async def ping(pool: asyncpg.Pool) -> None:
    await pool.fetchval("SELECT 1")
