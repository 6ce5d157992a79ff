"""`snapfeed users grant-moderator|revoke-moderator USERNAME`."""

from __future__ import annotations

import asyncpg

from storage import moderation

ACTIONS = {"grant-moderator": True, "revoke-moderator": False}


async def set_moderator(database_url: str, action: str, username: str) -> bool:
    """False when there is no such user."""
    conn = await asyncpg.connect(database_url)
    try:
        return await moderation.set_moderator(conn, username, moderator=ACTIONS[action])
    finally:
        await conn.close()
