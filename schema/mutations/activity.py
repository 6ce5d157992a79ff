from __future__ import annotations

import contextlib

import strawberry

from resolvers import notifications, saves
from resolvers.errors import not_found
from schema import global_id
from schema.info import Info
from schema.types.post import Post
from storage.post_access import PostAccess


async def _fresh_post(info: Info, access: PostAccess) -> Post:
    with contextlib.suppress(KeyError):  # not loaded yet in this operation
        info.context.loaders.post_card_by_id.clear(access.post.id)
    post = await Post.load(info, access.post.id)
    if post is None:  # deleted between the write and this read
        raise not_found("Post")
    return post


@strawberry.type
class ActivityMutations:
    @strawberry.mutation(description="Idempotent: saving twice is one save.")
    async def save_post(self, info: Info, post_id: strawberry.ID) -> Post:
        ctx = info.context
        viewer_id = ctx.require_viewer()
        target = global_id.decode_as(post_id, "Post", field="postId")
        return await _fresh_post(info, await saves.save(ctx.deps, viewer_id, target))

    @strawberry.mutation(description="Idempotent: unsaving a post not saved does nothing.")
    async def unsave_post(self, info: Info, post_id: strawberry.ID) -> Post:
        ctx = info.context
        viewer_id = ctx.require_viewer()
        target = global_id.decode_as(post_id, "Post", field="postId")
        return await _fresh_post(info, await saves.unsave(ctx.deps, viewer_id, target))

    @strawberry.mutation(
        description="Marks the viewer's unread notifications read: all of them, or those at "
        "or below `upTo` in the list. Returns how many changed."
    )
    async def mark_notifications_read(self, info: Info, up_to: strawberry.ID | None = None) -> int:
        ctx = info.context
        viewer_id = ctx.require_viewer()
        target = None
        if up_to is not None:
            target = global_id.decode_as(up_to, "Notification", field="upTo")
        return await notifications.mark_read(ctx.deps, viewer_id, target)
