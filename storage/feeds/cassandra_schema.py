"""Cassandra keyspace and `migrations/cassandra/NNNN_name.cql`, applied in order, once.

Everything here blocks (DDL waits for schema agreement): call it from a worker thread.
Unlike the PostgreSQL migrator there is no lock: every statement must be idempotent
(`IF NOT EXISTS`), and migrations should be run by one process at a time, because
concurrent schema changes on different coordinators can disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storage import keys

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations" / "cassandra"

_FILE_RE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.cql$")
# Unquoted CQL names are case-insensitive; lower case only keeps CREATE and USE in agreement.
_KEYSPACE_RE = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
_COMMENT_RE = re.compile(r"^\s*(--|//).*$", re.MULTILINE)

# Schema changes wait for every node to agree; that can take longer than a query.
DDL_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class CqlMigration:
    version: int
    name: str
    statements: tuple[str, ...]


def check_keyspace_name(keyspace: str) -> str:
    if not _KEYSPACE_RE.match(keyspace):
        raise ValueError(
            f"invalid Cassandra keyspace {keyspace!r}: lower-case letters, digits and"
            " underscores, starting with a letter, at most 48 characters"
        )
    return keyspace


def split_statements(cql: str) -> list[str]:
    """Statements of a migration file: whole-line comments dropped, split on `;`."""
    without_comments = _COMMENT_RE.sub("", cql)
    return [part.strip() for part in without_comments.split(";") if part.strip()]


def discover(directory: Path = MIGRATIONS_DIR) -> list[CqlMigration]:
    found: list[CqlMigration] = []
    for path in sorted(directory.iterdir()):
        match = _FILE_RE.match(path.name)
        if match is None:
            continue
        statements = tuple(split_statements(path.read_text(encoding="utf-8")))
        found.append(CqlMigration(int(match[1]), match[2], statements))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"duplicate migration numbers in {directory}")
    return found


def ensure_keyspace(session: Any, keyspace: str) -> None:
    """Create the keyspace when missing and make it the session's default.

    SimpleStrategy with one replica suits a single development node only; a production
    keyspace (NetworkTopologyStrategy, real replication) is created beforehand by an
    operator, and `IF NOT EXISTS` leaves it as it is.
    """
    name = check_keyspace_name(keyspace)
    session.execute(
        f"CREATE KEYSPACE IF NOT EXISTS {name}"
        " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
        timeout=DDL_TIMEOUT_SECONDS,
    )
    session.set_keyspace(name)


def apply_migrations(session: Any, directory: Path = MIGRATIONS_DIR) -> list[CqlMigration]:
    """Apply pending migrations in the session's keyspace; returns those applied now."""
    table = keys.CASSANDRA_SCHEMA_VERSIONS
    session.execute(
        f"CREATE TABLE IF NOT EXISTS {table}"
        " (version int PRIMARY KEY, name text, applied_at timestamp)",
        timeout=DDL_TIMEOUT_SECONDS,
    )
    done = {row[0] for row in session.execute(f"SELECT version FROM {table}")}
    applied: list[CqlMigration] = []
    for migration in discover(directory):
        if migration.version in done:
            continue
        # No transactions in Cassandra: a migration that fails half-way is re-run from its
        # first statement next time, which `IF NOT EXISTS` makes harmless.
        for statement in migration.statements:
            session.execute(statement, timeout=DDL_TIMEOUT_SECONDS)
        session.execute(
            f"INSERT INTO {table} (version, name, applied_at) VALUES (%s, %s, toTimestamp(now()))",
            (migration.version, migration.name),
        )
        applied.append(migration)
    return applied
