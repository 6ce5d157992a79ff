"""Typing helpers shared by the query modules."""

from __future__ import annotations

from typing import TypeAlias

import asyncpg

# A pool or a connection (inside a transaction); both run queries the same way.
Executor: TypeAlias = asyncpg.Pool | asyncpg.Connection
