"""The fan-out jobs: fan-out on write for most authors, O(1) timeline writes for
celebrities (the work itself: resolvers/feed/fanout.py), retried while a dependency is away."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from arq import Retry

from resolvers.feed import fanout
from storage.unavailable import UNAVAILABLE

logger = logging.getLogger("snapfeed.workers.fanout")
# Seconds before the 2nd, 3rd, ... try when PostgreSQL or Redis could not be reached (the
# job's max_tries in workers/settings.py allows one more try than there are delays).
UNAVAILABLE_RETRY_DELAYS = (2, 5, 15, 30, 60, 120, 300, 600, 900)


async def fanout_post(ctx: dict[str, Any], post_id: int) -> dict[str, Any]:
    """Push a newly published post into its author's and active followers' feeds
    (resolvers/feed/fanout.py)."""
    try:
        return asdict(await fanout.fan_out(ctx["deps"], post_id))
    except UNAVAILABLE:
        # PostgreSQL or Redis went away mid-way (a restart): arq fails a job that raises,
        # and nothing else would fan this published post out, so it runs again later.
        job_try = int(ctx.get("job_try", 1))
        if job_try > len(UNAVAILABLE_RETRY_DELAYS):
            raise
        logger.warning("fan-out of post %s: a dependency is unavailable, retrying", post_id)
        raise Retry(defer=UNAVAILABLE_RETRY_DELAYS[job_try - 1]) from None


async def remove_post_from_feeds(ctx: dict[str, Any], post_id: int, author_id: int) -> int:
    """A deleted post leaves every feed, cache and timeline it was in."""
    return await fanout.remove_post(ctx["deps"], post_id, author_id)
