"""The pool lends single statements a few connections it keeps checked out
(storage/postgres.Pool): reused, given back on any failure, never lent once closed, and
shared with asyncpg's own path when all are busy."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from storage.postgres import Pool, RoundTripCounter, open_pool
from storage.settings import Settings

PID = "SELECT pg_backend_pid()"


@pytest.fixture
async def pool(settings: Settings) -> AsyncIterator[Pool]:
    assert settings.database_url
    opened = await open_pool(settings.database_url, min_size=1, max_size=4)
    assert isinstance(opened, Pool)
    yield opened
    await asyncio.wait_for(opened.close(), 10)


async def _in_use(pool: Pool) -> int:
    return int(pool.get_size() - pool.get_idle_size())


async def test_single_statements_reuse_a_kept_connection(pool: Pool) -> None:
    pids = {await pool.fetchval(PID) for _ in range(5)}
    pids |= {(await pool.fetchrow(PID))[0] for _ in range(3)}
    pids |= {(await pool.fetch(PID))[0][0] for _ in range(3)}
    assert await pool.execute("SELECT 1") == "SELECT 1"
    assert len(pids) == 1
    assert await _in_use(pool) == 1  # kept: checked out from asyncpg's point of view


async def test_statements_beyond_the_kept_ones_take_the_pools_path(pool: Pool) -> None:
    pids = await asyncio.gather(
        *(pool.fetchval("SELECT pg_backend_pid() FROM pg_sleep(0.2)") for _ in range(4))
    )
    assert len(set(pids)) == 4  # two kept (max_size 4 // 2), two acquired and released
    assert await _in_use(pool) == 2


async def test_a_failed_statement_gives_its_connection_back(pool: Pool) -> None:
    pid = await pool.fetchval(PID)
    with pytest.raises(asyncpg.UndefinedTableError):
        await pool.fetch("SELECT * FROM no_such_table")
    assert await _in_use(pool) == 0
    assert await pool.fetchval("SELECT 1") == 1
    assert await pool.fetchval(PID) == pid  # asyncpg's pool had kept it open


async def test_a_cancelled_statement_gives_its_connection_back(pool: Pool) -> None:
    slow = asyncio.ensure_future(pool.execute("SELECT pg_sleep(30)"))
    await asyncio.sleep(0.2)
    slow.cancel()
    with pytest.raises(asyncio.CancelledError):
        await slow
    assert await asyncio.wait_for(pool.fetchval("SELECT 2"), 10) == 2


async def test_a_connection_closed_by_the_server_is_never_lent(
    pool: Pool, settings: Settings
) -> None:
    pid = await pool.fetchval(PID)
    admin = await asyncpg.connect(settings.database_url)
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()
    for _ in range(250):  # asyncpg notices the closed socket on its own and releases it
        await asyncio.sleep(0.02)
        if await _in_use(pool) == 0:
            break
    assert await _in_use(pool) == 0
    assert await pool.fetchval("SELECT 3") == 3  # no error for the request that comes next
    assert await pool.fetchval(PID) != pid


async def test_statements_are_counted_as_round_trips(settings: Settings) -> None:
    assert settings.database_url
    counter = RoundTripCounter()
    pool = await open_pool(settings.database_url, min_size=1, max_size=2, counter=counter)
    try:
        before = counter.count
        for _ in range(3):
            await pool.fetchval("SELECT 1")
        await asyncio.sleep(0)  # asyncpg calls query loggers soon, not at once
        assert counter.count - before == 3
    finally:
        await pool.close()


async def test_closing_gives_kept_connections_back(settings: Settings) -> None:
    assert settings.database_url
    pool = await open_pool(settings.database_url, min_size=1, max_size=2)
    await pool.fetchval("SELECT 1")
    await asyncio.wait_for(pool.close(), 10)  # asyncpg's close waits for every connection


async def test_a_pool_of_one_keeps_none(settings: Settings) -> None:
    """A kept connection would leave `acquire` (a transaction) nothing to wait for."""
    assert settings.database_url
    pool = await open_pool(settings.database_url, min_size=1, max_size=1)
    try:
        assert await pool.fetchval("SELECT 1") == 1
        async with asyncio.timeout(10):
            async with pool.acquire() as conn, conn.transaction():
                assert await conn.fetchval("SELECT 2") == 2
    finally:
        await pool.close()
