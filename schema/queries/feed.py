from __future__ import annotations

import strawberry

from resolvers.cursors import Page
from resolvers.feed import ranked, read, suggestions
from resolvers.feed.ranked import FeedItem
from schema.info import Info
from schema.types.feed_order import FeedOrder
from schema.types.feed_reason import FeedReason
from schema.types.post_connection import PostConnection, assemble, post_connection
from schema.types.user import User
from storage.visibility import Surface


@strawberry.type
class FeedQueries:
    @strawberry.field(
        description="The viewer's home feed: newest first, or RANKED (best first for the"
        " viewer, with some SUGGESTED posts; pages of one ranking never repeat or skip, a"
        " first page ranks afresh)."
    )
    async def feed(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        order: FeedOrder | None = FeedOrder.CHRONOLOGICAL,
    ) -> PostConnection:
        ctx = info.context
        viewer_id = ctx.require_viewer()
        first = 20 if first is None else first
        stale, ctx.feed_stale = ctx.feed_stale, False
        if order is not FeedOrder.RANKED:
            page = await read.feed_page(ctx.deps, viewer_id, stale=stale, first=first, after=after)
            return await post_connection(info, page, Surface.HOME, reason=FeedReason.FOLLOWING)
        page_of_items = await ranked.ranked_page(
            ctx.deps, viewer_id, stale=stale, first=first, after=after
        )
        return await _ranked_connection(info, viewer_id, page_of_items)

    @strawberry.field(
        description="People the viewer may know, best first: followed by many of the"
        " people the viewer follows, then popular accounts."
    )
    async def suggested_users(self, info: Info, first: int | None = 10) -> list[User]:
        ctx = info.context
        rows = await suggestions.suggested_users(
            ctx.deps, ctx.require_viewer(), first=10 if first is None else first
        )
        return [User.from_row(r) for r in rows]


async def _ranked_connection(info: Info, viewer_id: int, page: Page[FeedItem]) -> PostConnection:
    """One card query for the page; a FOLLOWING post shows as the home feed shows posts, a
    SUGGESTED one only while it is still fit to suggest."""
    items = [item for _, item in page.items]
    visible = await ranked.visible_cards(info.context.deps, viewer_id, items)
    reasons = [
        FeedReason.SUGGESTED if item.suggested else FeedReason.FOLLOWING for _, item in page.items
    ]
    ids = Page(
        items=[(cursor, item.post_id) for cursor, item in page.items], has_next=page.has_next
    )
    return assemble(info, ids, visible, reasons)
