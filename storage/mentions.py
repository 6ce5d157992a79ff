"""@mentions of captions: who a username names, and the mentions a post keeps."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from storage.types import Executor
from storage.visibility import blocked_sql


async def user_ids(db: Executor, usernames: Sequence[str], author_id: int) -> dict[str, int]:
    """The users these (lower-case) usernames name that the author may mention: nobody
    blocked either way with them."""
    if not usernames:
        return {}
    records = await db.fetch(
        f"""
        SELECT u.username, u.id FROM users u
        WHERE u.username = ANY($1::text[]) AND NOT {blocked_sql("u.id", "$2::bigint")}
        """,
        list(usernames),
        author_id,
    )
    return {r["username"]: r["id"] for r in records}


async def insert_for_post(conn: asyncpg.Connection, post_id: int, users: Sequence[int]) -> None:
    """In the transaction that creates the post; `users` in the caption's order."""
    if users:
        await conn.execute(
            """
            INSERT INTO post_mentions (post_id, user_id, position)
            SELECT $1, u.id, u.position - 1
            FROM unnest($2::bigint[]) WITH ORDINALITY AS u (id, position)
            ON CONFLICT DO NOTHING
            """,
            post_id,
            list(users),
        )
