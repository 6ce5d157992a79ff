"""Persisted GraphQL documents, by the SHA-256 (hex) of their exact text.

Automatic persisted queries live in Redis, shared by every API process and forgotten
after a while of not being used; trusted documents (registered ahead of time) live in
PostgreSQL and stay until removed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from redis.asyncio import Redis

from storage import keys
from storage.types import Executor


@dataclass(frozen=True)
class TrustedDocument:
    sha256: str
    body: str
    operation_names: tuple[str, ...]


async def remembered(redis: Redis, sha256: str, ttl_seconds: int) -> str | None:
    """An automatic persisted query's text, its lifetime renewed by this use."""
    value = await redis.getex(keys.persisted_query(sha256), ex=ttl_seconds)
    return None if value is None else bytes(value).decode()


async def remember(redis: Redis, sha256: str, body: str, ttl_seconds: int) -> None:
    await redis.set(keys.persisted_query(sha256), body.encode(), ex=ttl_seconds)


async def trusted_body(db: Executor, sha256: str) -> str | None:
    body: str | None = await db.fetchval(
        "SELECT body FROM trusted_documents WHERE sha256 = $1", sha256
    )
    return body


async def add_trusted(db: Executor, documents: Sequence[TrustedDocument]) -> int:
    """Registers documents (an already registered one is left as it is); how many were new."""
    if not documents:
        return 0
    added: int = await db.fetchval(
        """
        WITH new AS (
            INSERT INTO trusted_documents (sha256, body, operation_names)
            SELECT d.sha256, d.body, string_to_array(d.names, ',')
            FROM unnest($1::text[], $2::text[], $3::text[]) AS d(sha256, body, names)
            ON CONFLICT (sha256) DO NOTHING
            RETURNING 1
        )
        SELECT count(*) FROM new
        """,
        [d.sha256 for d in documents],
        [d.body for d in documents],
        [",".join(d.operation_names) for d in documents],
    )
    return added


async def count_trusted(db: Executor) -> int:
    count: int = await db.fetchval("SELECT count(*) FROM trusted_documents")
    return count
