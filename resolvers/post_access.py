"""The post a write acts on, only if the viewer may see it."""

from __future__ import annotations

from resolvers.deps import Deps
from resolvers.errors import not_found
from resolvers.privacy import can_view_post
from storage import post_access
from storage.post_access import PostAccess


async def visible_post(deps: Deps, viewer_id: int, post_id: int) -> PostAccess:
    """The post, its author and the viewer's follow state; NOT_FOUND when missing or hidden
    (a private account's post must not be told apart from a missing one)."""
    access = await post_access.load(deps.db, post_id, viewer_id)
    if access is None or not can_view_post(
        access.post.status, access.author, viewer_id, access.viewer_state
    ):
        raise not_found("Post")
    return access
