from __future__ import annotations

import strawberry

from resolvers import feed
from schema.info import Info
from schema.types.connection import Connection
from schema.types.post import Post, post_connection
from storage.visibility import Surface


@strawberry.type
class FeedQueries:
    @strawberry.field(description="The viewer's home feed, newest first.")
    async def feed(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[Post]:
        ctx = info.context
        viewer_id = ctx.require_viewer()
        page = await feed.feed_page(
            ctx.deps,
            viewer_id,
            stale=ctx.feed_stale,
            first=20 if first is None else first,
            after=after,
        )
        ctx.feed_stale = False
        return await post_connection(info, page, Surface.HOME)
