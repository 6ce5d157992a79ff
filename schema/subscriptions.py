"""Live subscriptions. A socket's session (logout, expiry) is watched by the socket itself
(server/ws_session.py): when it ends the socket closes, and its subscriptions with it."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from resolvers import live, notifications
from resolvers.errors import not_found
from schema import global_id
from schema.info import Info
from schema.types.notification import Notification
from schema.types.post import Post
from storage.visibility import Surface


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Each post that enters the viewer's home feed.")
    async def feed_updates(self, info: Info) -> AsyncGenerator[Post, None]:
        ctx = info.context
        viewer_id = ctx.require_viewer()
        async for post_id in live.feed_updates(ctx.deps, viewer_id):
            ctx.renew_loaders()  # fresh data for every event
            post = await Post.load(info, post_id, Surface.HOME)
            if post is not None:
                yield post

    @strawberry.subscription(description="Status and count changes of one visible post.")
    async def post_updated(self, info: Info, id: strawberry.ID) -> AsyncGenerator[Post, None]:
        ctx = info.context
        ctx.require_viewer()
        post_id = global_id.decode_as(id, "Post", field="id")
        if await Post.load(info, post_id) is None:
            raise not_found("Post")
        async for _ in live.post_updates(ctx.deps, post_id):
            ctx.renew_loaders()
            post = await Post.load(info, post_id)
            if post is None:  # deleted, or no longer visible to this viewer
                return
            yield post

    @strawberry.subscription(description="Each new or re-folded notification of the viewer.")
    async def notification_received(self, info: Info) -> AsyncGenerator[Notification, None]:
        ctx = info.context
        viewer_id = ctx.require_viewer()
        async for ids in live.notification_updates(ctx.deps, viewer_id):
            ctx.renew_loaders()
            # Re-read, and re-checked against the policy: one hidden since is not sent.
            for row in await notifications.by_ids(ctx.deps, viewer_id, ids):
                yield Notification.from_row(row)
