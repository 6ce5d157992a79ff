"""Fan-out on write for most authors; O(1) timeline writes for celebrities."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

from arq import Retry

from resolvers import live
from resolvers.deps import Deps
from resolvers.feed_merge import is_celebrity
from storage import follows, posts, users
from storage.feeds.base import FeedEntry
from storage.metrics import FANOUT_BATCH as FANOUT_BATCH_SIZES
from storage.unavailable import UNAVAILABLE
from storage.visibility import FEED_STATES

logger = logging.getLogger("snapfeed.workers.fanout")

FANOUT_BATCH = 1000
# Seconds before the 2nd, 3rd, ... try when PostgreSQL or Redis could not be reached (the
# job's max_tries in workers/settings.py allows one more try than there are delays).
UNAVAILABLE_RETRY_DELAYS = (2, 5, 15, 30, 60, 120, 300, 600, 900)


@dataclass(frozen=True)
class FanoutResult:
    celebrity: bool
    followers_reached: int
    batches: int


async def fanout_post(ctx: dict[str, Any], post_id: int) -> dict[str, Any]:
    """Push a newly published post into its author's and active followers' feeds.

    Resumable: the position is saved after every batch and pushes are idempotent, so a
    worker dying half-way loses nothing and duplicates nothing when the job runs again.
    """
    try:
        return await _fanout(ctx["deps"], post_id)
    except UNAVAILABLE:
        # PostgreSQL or Redis went away mid-way (a restart): arq fails a job that raises,
        # and nothing else would fan this published post out, so it runs again later.
        job_try = int(ctx.get("job_try", 1))
        if job_try > len(UNAVAILABLE_RETRY_DELAYS):
            raise
        logger.warning("fan-out of post %s: a dependency is unavailable, retrying", post_id)
        raise Retry(defer=UNAVAILABLE_RETRY_DELAYS[job_try - 1]) from None


async def _fanout(deps: Deps, post_id: int) -> dict[str, Any]:
    found = await posts.by_ids(deps.db, [post_id])
    if not found or found[0].status not in FEED_STATES:  # FLAGGED still reaches followers
        return asdict(FanoutResult(False, 0, 0))
    post = found[0]
    [author] = await users.by_ids(deps.db, [post.author_id])
    await deps.feeds.push([FeedEntry(author.id, post.id, author.id)])
    await deps.feed_cache.add_to_feeds([author.id], post.id)
    await live.post_entered_feeds(deps, [author.id], post.id)
    if is_celebrity(author.follower_count, deps.settings.celebrity_followers):
        await deps.feed_cache.add_to_timeline(author.id, post.id)
        await live.celebrity_posted(deps, author.id, post.id)
        return asdict(FanoutResult(True, 0, 0))

    after = await deps.feed_cache.fanout_position(post_id)
    reached = batches = 0
    while True:
        batch = await follows.active_followers_after(
            deps.db,
            author.id,
            after=after,
            active_days=deps.settings.active_days,
            limit=FANOUT_BATCH,
        )
        if not batch:
            break
        await deps.feeds.push([FeedEntry(u, post.id, author.id) for u in batch])
        await deps.feed_cache.add_to_feeds(batch, post.id)
        await live.post_entered_feeds(deps, batch, post.id)
        FANOUT_BATCH_SIZES.observe(len(batch))
        after = batch[-1]
        await deps.feed_cache.save_fanout_position(post_id, after)
        reached += len(batch)
        batches += 1
    await deps.feed_cache.clear_fanout_position(post_id)
    logger.debug("post %s reached %d followers in %d batches", post_id, reached, batches)
    return asdict(FanoutResult(False, reached, batches))


async def remove_post_from_feeds(ctx: dict[str, Any], post_id: int, author_id: int) -> int:
    """A deleted post leaves every feed, cache and timeline it was in."""
    deps: Deps = ctx["deps"]
    await deps.feed_cache.remove_from_timeline(author_id, post_id)
    await deps.feeds.remove_post(post_id, [author_id])
    await deps.feed_cache.remove_from_feeds([author_id], post_id)
    after = removed = 0
    while batch := await follows.followers_after(
        deps.db, author_id, after=after, limit=FANOUT_BATCH
    ):
        await deps.feeds.remove_post(post_id, batch)
        await deps.feed_cache.remove_from_feeds(batch, post_id)
        after = batch[-1]
        removed += len(batch)
    return removed
