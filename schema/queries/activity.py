from __future__ import annotations

import strawberry

from resolvers import notifications, saves
from schema.info import Info
from schema.types.connection import Connection
from schema.types.notification import Notification, notification_connection
from schema.types.post_connection import PostConnection, post_connection
from storage.visibility import Surface


@strawberry.type
class ActivityQueries:
    @strawberry.field(description="The viewer's notifications, newest first.")
    async def notifications(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[Notification]:
        ctx = info.context
        page = await notifications.page(
            ctx.deps, ctx.require_viewer(), first=20 if first is None else first, after=after
        )
        return notification_connection(page)

    @strawberry.field
    async def unread_notification_count(self, info: Info) -> int:
        ctx = info.context
        return await notifications.unread_count(ctx.deps, ctx.require_viewer())

    @strawberry.field(description="The viewer's saved posts, newest saved first.")
    async def saved_posts(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> PostConnection:
        ctx = info.context
        page = await saves.saved_posts(
            ctx.deps, ctx.require_viewer(), first=20 if first is None else first, after=after
        )
        return await post_connection(info, page, Surface.PROFILE)
