"""Saving posts for later: idempotent, rate limited, seen by the saver only."""

from __future__ import annotations

from resolvers import cursors, ratelimit
from resolvers.cursors import Page
from resolvers.deps import Deps
from resolvers.post_access import visible_post
from storage import saves
from storage.post_access import PostAccess

CURSOR_KIND = "saved"


async def save(deps: Deps, viewer_id: int, post_id: int) -> PostAccess:
    await ratelimit.spend(deps, viewer_id, "save")
    access = await visible_post(deps, viewer_id, post_id)
    await saves.insert(deps.db, viewer_id, post_id)
    return access


async def unsave(deps: Deps, viewer_id: int, post_id: int) -> PostAccess:
    # Same bucket as saving: toggling costs as much as saving.
    await ratelimit.spend(deps, viewer_id, "save")
    access = await visible_post(deps, viewer_id, post_id)
    await saves.delete(deps.db, viewer_id, post_id)
    return access


async def saved_posts(deps: Deps, viewer_id: int, *, first: int, after: str | None) -> Page[int]:
    """Ids of the viewer's saved posts they may still see, newest saved first."""
    cursors.check_first(first, deps.settings.max_page_size)
    position = cursors.decode_time_id(after, CURSOR_KIND)
    rows = await saves.page(deps.db, viewer_id, after=position, limit=first + 1)
    page = cursors.page_of(rows, first, lambda r: cursors.encode_time_id(CURSOR_KIND, *r))
    return Page(
        items=[(cursor, post_id) for cursor, (_, post_id) in page.items], has_next=page.has_next
    )
