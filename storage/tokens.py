"""Bearer tokens: only their SHA-256 is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.types import Executor


async def insert(db: Executor, *, token_hash: bytes, user_id: int, expires_at: datetime) -> None:
    await db.execute(
        "INSERT INTO auth_tokens (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
        token_hash,
        user_id,
        expires_at,
    )


@dataclass(frozen=True)
class TokenOwner:
    user_id: int
    feed_stale: bool  # back after more than `active_days` away: fan-out skipped them
    expires_at: datetime


async def user_for(db: Executor, token_hash: bytes, *, active_days: int) -> TokenOwner | None:
    """The user a live token belongs to, marking them active (at most once an hour)."""
    record = await db.fetchrow(
        """
        WITH t AS (
            SELECT user_id, expires_at FROM auth_tokens
            WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()
        ), touched AS (
            UPDATE users SET
                last_active_at = now(),
                feed_stale = feed_stale
                    OR users.last_active_at < now() - make_interval(days => $2)
            FROM t
            WHERE users.id = t.user_id AND users.last_active_at < now() - interval '1 hour'
        )
        -- The main query sees the rows as they were before the update above.
        SELECT t.user_id, t.expires_at,
               u.feed_stale OR u.last_active_at < now() - make_interval(days => $2) AS stale
        FROM t JOIN users u ON u.id = t.user_id
        """,
        token_hash,
        active_days,
    )
    if record is None:
        return None
    return TokenOwner(record["user_id"], record["stale"], record["expires_at"])


async def is_live(db: Executor, token_hash: bytes) -> bool:
    """Neither revoked nor expired (without marking anyone active)."""
    return bool(
        await db.fetchval(
            "SELECT EXISTS (SELECT 1 FROM auth_tokens WHERE token_hash = $1"
            " AND revoked_at IS NULL AND expires_at > now())",
            token_hash,
        )
    )


async def clear_feed_stale(db: Executor, user_id: int) -> None:
    await db.execute("UPDATE users SET feed_stale = false WHERE id = $1", user_id)


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
