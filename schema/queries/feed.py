from __future__ import annotations

import asyncio

import strawberry

from resolvers import feed
from schema.info import Info
from schema.types.connection import Connection
from schema.types.edge import Edge
from schema.types.page_info import PageInfo
from schema.types.post import Post


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
        # Loaded together so the DataLoaders batch them: a page costs the same for any size.
        loaded = await asyncio.gather(*(Post.load(info, post_id) for _, post_id in page.items))
        edges = [
            Edge(cursor=cursor, node=post)
            for (cursor, _), post in zip(page.items, loaded, strict=True)
            if post is not None  # deleted or hidden since it was pushed
        ]
        return Connection(
            edges=edges,
            page_info=PageInfo(has_next_page=page.has_next, end_cursor=page.end_cursor),
        )
