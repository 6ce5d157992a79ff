"""suggestedUsers: friends of friends, ranked by how many of the viewer's followees follow
them, then the most followed accounts (all a new user gets). Cached per viewer."""

from __future__ import annotations

from resolvers import cursors
from resolvers.deps import Deps
from storage import suggestions
from storage.users import UserRow

CACHED = 50  # ranked suggestions kept per viewer
CACHE_SECONDS = 3600
# Only the viewer's newest followees are asked for their followees: bounded work.
FOLLOWEES_ASKED = 500


async def ranked_ids(deps: Deps, viewer_id: int) -> list[int]:
    """The viewer's cached ranking, computed (one query) when missing."""
    found = await suggestions.cached(deps.redis, viewer_id)
    if found is None:
        found = await compute(deps, viewer_id)
    return found


async def compute(deps: Deps, viewer_id: int) -> list[int]:
    ids = await suggestions.ranked(
        deps.db, viewer_id, limit=CACHED, followees_asked=FOLLOWEES_ASKED
    )
    await suggestions.cache(deps.redis, viewer_id, ids, ttl=CACHE_SECONDS)
    return ids


async def suggested_users(deps: Deps, viewer_id: int, *, first: int) -> list[UserRow]:
    """The best `first` suggestions, re-checked: someone followed, requested or blocked
    since the ranking was cached is left out."""
    cursors.check_first(first, deps.settings.max_page_size)
    if first == 0:
        return []
    ids = await ranked_ids(deps, viewer_id)
    if not ids:
        return []
    return await suggestions.still_eligible(deps.db, viewer_id, ids, limit=first)
