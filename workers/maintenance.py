"""Periodic housekeeping jobs."""

from __future__ import annotations

import logging
from typing import Any

from resolvers.deps import Deps
from storage import tokens

logger = logging.getLogger("snapfeed.workers.maintenance")


async def purge_expired_tokens(ctx: dict[str, Any]) -> int:
    """Delete expired tokens and those revoked more than a day ago."""
    deps: Deps = ctx["deps"]
    removed = await tokens.purge_expired(deps.db)
    if removed:
        logger.info("purged %d expired or revoked tokens", removed)
    return removed
