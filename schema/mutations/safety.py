from __future__ import annotations

import contextlib

import strawberry

from resolvers import safety
from resolvers.errors import not_found
from schema import global_id
from schema.info import Info
from schema.types.user import User


async def _acted_on(info: Info, user_id: int) -> User:
    """The user as the viewer now sees them (fresh: their counts may have changed)."""
    loaders = info.context.loaders
    for loader in (loaders.user_by_id, loaders.relation_by_user_id):
        with contextlib.suppress(KeyError):  # not loaded yet in this operation
            loader.clear(user_id)
    user = await User.load_visible(info, user_id)
    if user is None:  # deleted meanwhile
        raise not_found("User")
    return user


@strawberry.type
class SafetyMutations:
    @strawberry.mutation(
        description="Idempotent. Removes follows and requests both ways and each one's posts"
        " from the other's home feed; then neither sees the other anywhere (the blocker still"
        " sees the blocked user's bare profile, to unblock)."
    )
    async def block(self, info: Info, user_id: strawberry.ID) -> User:
        ctx = info.context
        target = global_id.decode_as(user_id, "User", field="userId")
        await safety.block(ctx.deps, ctx.require_viewer(), target)
        return await _acted_on(info, target)

    @strawberry.mutation(description="Idempotent. Follows removed by the block stay removed.")
    async def unblock(self, info: Info, user_id: strawberry.ID) -> User:
        ctx = info.context
        target = global_id.decode_as(user_id, "User", field="userId")
        await safety.unblock(ctx.deps, ctx.require_viewer(), target)
        return await _acted_on(info, target)

    @strawberry.mutation(
        description="Idempotent. Their posts and stories leave the viewer's home feed and story"
        " reels (they stay on their profile); they are not told."
    )
    async def mute(self, info: Info, user_id: strawberry.ID) -> User:
        ctx = info.context
        target = global_id.decode_as(user_id, "User", field="userId")
        await safety.mute(ctx.deps, ctx.require_viewer(), target)
        return await _acted_on(info, target)

    @strawberry.mutation(description="Idempotent.")
    async def unmute(self, info: Info, user_id: strawberry.ID) -> User:
        ctx = info.context
        target = global_id.decode_as(user_id, "User", field="userId")
        await safety.unmute(ctx.deps, ctx.require_viewer(), target)
        return await _acted_on(info, target)
