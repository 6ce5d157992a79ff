"""The feed's hooks on the follow graph: a follow backfills, an unfollow (or a block) takes
the author's posts out, and a user who was away gets their feed rebuilt."""

from __future__ import annotations

import logging

from resolvers.deps import Deps
from storage import follows, posts, tokens
from storage.feed_cache import FEED_CACHE_SIZE
from storage.feeds.base import FeedEntry

logger = logging.getLogger("snapfeed.feed")


async def rebuild(deps: Deps, user_id: int) -> int:
    """Pull-build the feed of a user who was away (fan-out skipped them), then store it;
    first, the posts of authors an unfinished unfollow left there go
    (resolvers/graph.py `_left`)."""
    pending = await follows.pending_removals(deps.db, user_id)
    for author_id, followed_again in pending.items():
        if not followed_again:
            await deps.feeds.remove_author(user_id, author_id)
    if pending:
        await follows.forget_removals(deps.db, user_id, list(pending))
    newest = await posts.newest_from_followees(
        deps.db,
        user_id,
        below_followers=deps.settings.celebrity_followers,
        limit=FEED_CACHE_SIZE,
    )
    await deps.feeds.push([FeedEntry(user_id, post_id, author) for post_id, author in newest])
    await deps.feed_cache.drop_feeds([user_id])
    await tokens.clear_feed_stale(deps.db, user_id)
    deps.sessions.feed_rebuilt(user_id)
    logger.info("rebuilt the feed of user %s (%d posts)", user_id, len(newest))
    return len(newest)


BACKFILL_POSTS = 20


async def after_follow(deps: Deps, follower_id: int, followee_id: int, followee_count: int) -> None:
    """A new follow: the followee's recent posts join the follower's feed."""
    await deps.feed_cache.forget_celebrities(follower_id)
    if followee_count >= deps.settings.celebrity_followers:
        return  # merged at read from the celebrity's timeline
    recent = await posts.newest_ids_by_authors(
        deps.db, [followee_id], before=None, limit=BACKFILL_POSTS
    )
    if recent:
        await deps.feeds.push([FeedEntry(follower_id, p, followee_id) for p in recent])
        await deps.feed_cache.drop_feeds([follower_id])


async def after_unfollow(deps: Deps, follower_id: int, followee_id: int) -> None:
    await deps.feeds.remove_author(follower_id, followee_id)
    await deps.feed_cache.forget_celebrities(follower_id)
    await deps.feed_cache.drop_feeds([follower_id])
