"""The post a write acts on, only if the viewer may see it."""

from __future__ import annotations

from resolvers.deps import Deps
from resolvers.errors import not_found
from resolvers.safety import refused_by_own_block
from storage import post_access
from storage.post_access import PostAccess
from storage.visibility import Surface, may_see_post


async def visible_post(deps: Deps, viewer_id: int | None, post_id: int) -> PostAccess:
    """The post, its author and the viewer's relation to them; NOT_FOUND when missing or
    hidden (a private account's post must not be told apart from a missing one, and to a
    blocked user the blocker does not exist). A viewer who blocked the author is told so
    (FORBIDDEN), but only about a post they could see without the block."""
    access = await post_access.load(deps.db, post_id, viewer_id)
    if access is None:
        raise not_found("Post")
    rel, status = access.relation, access.post.status
    if may_see_post(rel, status, Surface.LOOKUP):
        return access
    if rel.blocking and may_see_post(rel.but(blocking=False), status, Surface.LOOKUP):
        raise refused_by_own_block()
    raise not_found("Post")
