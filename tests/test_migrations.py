from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from server.embedded import EmbeddedStack
from storage import migrations


async def _fresh_database(embedded: EmbeddedStack, name: str) -> str:
    conn = await asyncpg.connect(embedded.database_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return embedded.database_url.replace("/postgres?", f"/{name}?")


async def test_apply_twice_is_a_no_op(embedded: EmbeddedStack) -> None:
    dsn = await _fresh_database(embedded, "migrate_twice")
    everything = migrations.discover()
    first = await migrations.apply(dsn)
    assert [m.version for m in first] == [m.version for m in everything]
    assert await migrations.apply(dsn) == []
    conn = await asyncpg.connect(dsn)
    try:
        recorded = await conn.fetchval("SELECT count(*) FROM schema_migrations")
        assert recorded == len(everything)
    finally:
        await conn.close()


async def test_two_processes_at_once_apply_each_migration_once(embedded: EmbeddedStack) -> None:
    dsn = await _fresh_database(embedded, "migrate_race")
    results = await asyncio.gather(*(migrations.apply(dsn) for _ in range(4)))
    applied = sorted(m.version for result in results for m in result)
    assert applied == [m.version for m in migrations.discover()]


async def test_a_failing_migration_leaves_nothing_behind(
    embedded: EmbeddedStack, tmp_path: Path
) -> None:
    dsn = await _fresh_database(embedded, "migrate_broken")
    (tmp_path / "0001_good.sql").write_text("CREATE TABLE good (id int);")
    (tmp_path / "0002_bad.sql").write_text("CREATE TABLE half (id int); SELECT 1/0;")
    with pytest.raises(asyncpg.DivisionByZeroError):
        await migrations.apply(dsn, tmp_path)
    conn = await asyncpg.connect(dsn)
    try:
        assert await conn.fetchval("SELECT to_regclass('half')") is None
        assert await conn.fetchval("SELECT to_regclass('good')") == "good"
        versions = await conn.fetch("SELECT version FROM schema_migrations")
        assert [r["version"] for r in versions] == [1]
    finally:
        await conn.close()
    # Fixed, it applies on the next run.
    (tmp_path / "0002_bad.sql").write_text("CREATE TABLE half (id int);")
    assert [m.version for m in await migrations.apply(dsn, tmp_path)] == [2]


def test_duplicate_numbers_are_refused(tmp_path: Path) -> None:
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    (tmp_path / "0001_b.sql").write_text("SELECT 1;")
    with pytest.raises(RuntimeError, match="duplicate"):
        migrations.discover(tmp_path)
