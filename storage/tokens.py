"""Bearer tokens: only their SHA-256 is stored."""

from __future__ import annotations

from datetime import datetime

from storage.types import Executor


async def insert(db: Executor, *, token_hash: bytes, user_id: int, expires_at: datetime) -> None:
    await db.execute(
        "INSERT INTO auth_tokens (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
        token_hash,
        user_id,
        expires_at,
    )


async def user_for(db: Executor, token_hash: bytes) -> int | None:
    """The user a live token belongs to, marking them active (at most once an hour)."""
    return await db.fetchval(  # type: ignore[no-any-return]
        """
        WITH t AS (
            SELECT user_id FROM auth_tokens
            WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()
        ), touched AS (
            UPDATE users SET last_active_at = now()
            FROM t
            WHERE users.id = t.user_id AND users.last_active_at < now() - interval '1 hour'
        )
        SELECT user_id FROM t
        """,
        token_hash,
    )


async def revoke(db: Executor, token_hash: bytes) -> bool:
    status = await db.execute(
        "UPDATE auth_tokens SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL",
        token_hash,
    )
    return bool(status != "UPDATE 0")


async def purge_expired(db: Executor, *, revoked_grace_days: int = 1) -> int:
    status = await db.execute(
        """
        DELETE FROM auth_tokens
        WHERE expires_at < now()
           OR revoked_at < now() - make_interval(days => $1)
        """,
        revoked_grace_days,
    )
    return int(status.split()[-1])
