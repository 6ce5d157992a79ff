"""Errors meaning PostgreSQL or Redis cannot be reached right now, rather than a bug."""

from __future__ import annotations

import asyncpg
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# OSError covers refused connections and missing unix sockets (asyncpg raises them as is).
UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,
    RedisConnectionError,
    RedisTimeoutError,
    asyncpg.CannotConnectNowError,  # starting up or shutting down
    asyncpg.ConnectionDoesNotExistError,
    # A session ended by the server: a fast or immediate shutdown (restart), or a crash.
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
)
