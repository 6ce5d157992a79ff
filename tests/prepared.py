"""What PostgreSQL did with a connection's prepared statements."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg


async def generic_plans(conn: asyncpg.Connection, statement_like: str) -> int:
    """How many times the connection's statement LIKE `statement_like` ran on its generic
    plan (one planned once and reused; a custom plan is planned on each call)."""
    plans = await conn.fetchrow(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
        " WHERE statement LIKE $1"
        " AND statement NOT LIKE '%pg_prepared_statements%'",  # not this query itself
        statement_like,
    )
    assert plans is not None, f"no prepared statement like {statement_like!r}"
    count: int = plans["generic_plans"]
    return count


async def assert_planned_once(
    conn: asyncpg.Connection,
    statement_like: str,
    call: Callable[[], Awaitable[object]],
    expected: object,
    *,
    calls: int = 8,
) -> None:
    """`call` answers `expected` each of `calls` times on `conn`, and PostgreSQL ran the
    statement LIKE `statement_like` on its generic plan at least three of them (planned
    once, not afresh on every call)."""
    for _ in range(calls):
        assert await call() == expected
    assert await generic_plans(conn, statement_like) >= 3
