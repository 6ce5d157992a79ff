"""The fan-out jobs: fan-out on write for most authors, O(1) timeline writes for
celebrities (the work itself: resolvers/feed/fanout.py), retried when it fails."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from arq import Retry

from resolvers.feed import fanout
from storage.unavailable import UNAVAILABLE

logger = logging.getLogger("snapfeed.workers.fanout")
# Seconds before the 2nd, 3rd, ... try of a fan-out, or of queueing one, that failed (the
# jobs' max_tries in workers/settings.py allow one more try than there are delays).
FANOUT_RETRY_DELAYS = (2, 5, 15, 30, 60, 120, 300, 600, 900)


async def fanout_post(ctx: dict[str, Any], post_id: int) -> dict[str, Any]:
    """Push a newly published post into its author's and active followers' feeds
    (resolvers/feed/fanout.py)."""
    try:
        return asdict(await fanout.fan_out(ctx["deps"], post_id))
    except Exception as failure:
        # arq fails a job that raises, and nothing else would fan this published post out:
        # it runs again later (it resumes, and pushes are idempotent). Not only on the errors
        # known to mean a dependency is away: a connection that a PostgreSQL shutdown broke
        # mid-statement can surface as asyncpg's InternalClientError.
        job_try = int(ctx.get("job_try", 1))
        if job_try > len(FANOUT_RETRY_DELAYS):
            raise
        unavailable = isinstance(failure, UNAVAILABLE)
        logger.warning(
            "fan-out of post %s failed (%s), retrying",
            post_id,
            "a dependency is unavailable" if unavailable else type(failure).__name__,
            exc_info=not unavailable,
        )
        raise Retry(defer=FANOUT_RETRY_DELAYS[job_try - 1]) from None


async def remove_post_from_feeds(ctx: dict[str, Any], post_id: int, author_id: int) -> int:
    """A deleted post leaves every feed, cache and timeline it was in."""
    return await fanout.remove_post(ctx["deps"], post_id, author_id)
