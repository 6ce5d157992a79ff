"""Liking and unliking posts; both idempotent."""

from __future__ import annotations

from resolvers import live, ratelimit
from resolvers.deps import Deps
from resolvers.feed import signals
from resolvers.notifications import author_told
from resolvers.post_access import visible_post
from storage import likes
from storage.post_access import PostAccess


async def like(deps: Deps, viewer_id: int, post_id: int) -> PostAccess:
    await ratelimit.spend(deps, viewer_id, "like")
    access = await visible_post(deps, viewer_id, post_id)
    if await likes.insert(deps.db, post_id, viewer_id, notify=author_told(access)):
        await signals.engaged(deps, viewer_id, post_id, likes=1)
    await live.post_changed(deps, post_id)
    return access


async def unlike(deps: Deps, viewer_id: int, post_id: int) -> PostAccess:
    # Same bucket as liking: toggling is as much write load on the counter as liking.
    await ratelimit.spend(deps, viewer_id, "like")
    access = await visible_post(deps, viewer_id, post_id)
    if await likes.delete(deps.db, post_id, viewer_id, notify=author_told(access)):
        await signals.engaged(deps, viewer_id, post_id, likes=-1)
    await live.post_changed(deps, post_id)
    return access
