"""Live updates: what is published when, and the streams subscriptions read."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence

from resolvers.deps import Deps
from resolvers.errors import AppError, ErrorCode
from storage import follows, keys, pubsub

logger = logging.getLogger("snapfeed.live")

# postUpdated sends at most one update per this many seconds per socket: a viral post's
# likes collapse into a few messages a second, each with the latest counts.
COALESCE_SECONDS = 0.25


async def post_entered_feeds(deps: Deps, user_ids: Sequence[int], post_id: int) -> None:
    await pubsub.publish_many(deps.redis, [keys.live_feed(u) for u in user_ids], str(post_id))


async def celebrity_posted(deps: Deps, author_id: int, post_id: int) -> None:
    await pubsub.publish(deps.redis, keys.live_author(author_id), str(post_id))


async def post_changed(deps: Deps, post_id: int) -> None:
    try:
        await pubsub.publish(deps.redis, keys.live_post(post_id), "changed")
    except Exception:  # live updates are best effort; the write itself succeeded
        logger.warning("could not publish a change of post %s", post_id, exc_info=True)


async def token_revoked(deps: Deps, token_hash: bytes) -> None:
    await pubsub.publish(deps.redis, keys.live_token(token_hash), "revoked")


async def feed_updates(deps: Deps, viewer_id: int, token_hash: bytes) -> AsyncIterator[int]:
    """Ids of posts entering the viewer's feed: pushed ones and their celebrities' alike."""
    celebrities = await follows.celebrity_followees(
        deps.db, viewer_id, threshold=deps.settings.celebrity_followers
    )
    channels = [keys.live_feed(viewer_id), *(keys.live_author(a) for a in celebrities)]
    revoked = keys.live_token(token_hash)
    async with deps.hub.listen([*channels, revoked]) as listener:
        async for channel, message in listener:
            if channel == revoked:
                raise AppError(ErrorCode.UNAUTHENTICATED, "This session was signed out")
            yield int(message)


async def post_updates(deps: Deps, post_id: int, token_hash: bytes | None) -> AsyncIterator[int]:
    """Yields `post_id` after each burst of changes, at most every COALESCE_SECONDS."""
    channels = [keys.live_post(post_id)]
    revoked = keys.live_token(token_hash) if token_hash else None
    if revoked:
        channels.append(revoked)
    async with deps.hub.listen(channels) as listener:
        async for channel, _ in listener:
            if channel == revoked:
                raise AppError(ErrorCode.UNAUTHENTICATED, "This session was signed out")
            await asyncio.sleep(COALESCE_SECONDS)
            while not listener.queue.empty():
                channel, _ = listener.queue.get_nowait()
                if channel == revoked:
                    raise AppError(ErrorCode.UNAUTHENTICATED, "This session was signed out")
            yield post_id
