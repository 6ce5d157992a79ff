"""Live updates: what is published when, and the streams subscriptions read."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from enum import StrEnum

from resolvers.deps import Deps
from storage import follows, keys, pubsub, tokens

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


async def notifications_folded(deps: Deps, changed: Sequence[tuple[int, int]]) -> None:
    """(recipient, notification) pairs, new or folded anew: one message per recipient."""
    by_recipient: dict[int, list[int]] = {}
    for recipient, notification_id in changed:
        by_recipient.setdefault(recipient, []).append(notification_id)
    messages = [
        (keys.live_notifications(r), ",".join(map(str, ids))) for r, ids in by_recipient.items()
    ]
    try:
        await pubsub.publish_each(deps.redis, messages)
    except Exception:  # best effort, as above: the notifications themselves are stored
        logger.warning("could not publish %d notification(s)", len(changed), exc_info=True)


async def token_revoked(deps: Deps, token_hash: bytes) -> None:
    channels = [keys.live_token(token_hash), keys.LIVE_REVOCATIONS]
    await pubsub.publish_many(deps.redis, channels, token_hash.hex())


class SessionEnd(StrEnum):
    SIGNED_OUT = "This session was signed out"
    EXPIRED = "This session expired"


async def session_end(deps: Deps, token_hash: bytes, expires_at: datetime) -> SessionEnd:
    """Wait, as long as it takes, until this token is revoked (by any process) or expires.

    (A socket's session ends here, not in each subscription: queries and mutations over a
    socket act as its viewer too.)"""
    async with deps.hub.listen([keys.live_token(token_hash)]) as listener:
        # Subscribed now; a revocation from before is in the database instead.
        if not await tokens.is_live(deps.db, token_hash):
            return SessionEnd.SIGNED_OUT
        left = (expires_at - datetime.now(UTC)).total_seconds()
        try:
            async with asyncio.timeout(max(left, 0)):
                await anext(listener)
        except TimeoutError:
            return SessionEnd.EXPIRED
        return SessionEnd.SIGNED_OUT


async def feed_updates(deps: Deps, viewer_id: int) -> AsyncIterator[int]:
    """Ids of posts entering the viewer's feed: pushed ones and their celebrities' alike."""
    celebrities = await follows.celebrity_followees(
        deps.db, viewer_id, threshold=deps.settings.celebrity_followers
    )
    channels = [keys.live_feed(viewer_id), *(keys.live_author(a) for a in celebrities)]
    async with deps.hub.listen(channels) as listener:
        async for _, message in listener:
            yield int(message)


async def post_updates(deps: Deps, post_id: int) -> AsyncIterator[int]:
    """Yields `post_id` after each burst of changes, at most every COALESCE_SECONDS."""
    async with deps.hub.listen([keys.live_post(post_id)]) as listener:
        async for _ in listener:
            await asyncio.sleep(COALESCE_SECONDS)
            while not listener.queue.empty():
                listener.queue.get_nowait()
            yield post_id


async def notification_updates(deps: Deps, viewer_id: int) -> AsyncIterator[list[int]]:
    """Ids of the viewer's notifications folded in each burst (a hot post's likes arrive as
    a few updates a second, each naming its notification once)."""
    async with deps.hub.listen([keys.live_notifications(viewer_id)]) as listener:
        async for _, message in listener:
            await asyncio.sleep(COALESCE_SECONDS)
            ids = [int(i) for i in message.split(",")]
            while not listener.queue.empty():
                ids += [int(i) for i in listener.queue.get_nowait()[1].split(",")]
            yield list(dict.fromkeys(ids))
