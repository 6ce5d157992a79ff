"""Fan-out: a published post is pushed into its author's and active followers' feeds (a
celebrity's into its timeline instead, merged at read), and a deleted one leaves them."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from resolvers import live
from resolvers.deps import Deps
from resolvers.feed.merge import is_celebrity
from storage import follows, posts, users
from storage.feeds.base import FeedEntry
from storage.metrics import FANOUT_BATCH as FANOUT_BATCH_SIZES
from storage.visibility import FEED_STATES

logger = logging.getLogger("snapfeed.feed.fanout")

FANOUT_BATCH = 1000


@dataclass(frozen=True)
class FanoutResult:
    celebrity: bool
    followers_reached: int
    batches: int


async def fan_out(deps: Deps, post_id: int) -> FanoutResult:
    """Resumable: the position is saved after every batch and pushes are idempotent, so a
    worker dying half-way loses nothing and duplicates nothing when the job runs again."""
    found = await posts.by_ids(deps.db, [post_id])
    if not found or found[0].status not in FEED_STATES:  # FLAGGED still reaches followers
        return FanoutResult(False, 0, 0)
    post = found[0]
    [author] = await users.by_ids(deps.db, [post.author_id])
    await deps.feeds.push([FeedEntry(author.id, post.id, author.id)])
    await deps.feed_cache.add_to_feeds([author.id], post.id)
    await live.post_entered_feeds(deps, [author.id], post.id)
    if is_celebrity(author.follower_count, deps.settings.celebrity_followers):
        await deps.feed_cache.add_to_timeline(author.id, post.id)
        await live.celebrity_posted(deps, author.id, post.id)
        return FanoutResult(True, 0, 0)

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
    return FanoutResult(False, reached, batches)


async def remove_post(deps: Deps, post_id: int, author_id: int) -> int:
    """A deleted post leaves every feed, cache and timeline it was in."""
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
