from __future__ import annotations

from collections.abc import Sequence

import strawberry

from resolvers import post_cards
from resolvers.cursors import Page
from resolvers.post_cards import CardPage
from schema.info import Info
from schema.types.feed_reason import FeedReason
from schema.types.page_info import PageInfo
from schema.types.post import Post, remember
from schema.types.post_edge import PostEdge
from storage.post_cards import PostCard
from storage.visibility import Surface


@strawberry.type
class PostConnection:
    edges: list[PostEdge]
    page_info: PageInfo


async def post_connection(
    info: Info, page: Page[int], surface: Surface, *, reason: FeedReason | None = None
) -> PostConnection:
    """A page of post ids as a connection, assembled in one query; the posts the viewer may
    not see on `surface` (deleted or hidden since the ids were listed) are left out. Every
    edge gets `reason` (the home feed's)."""
    ctx = info.context
    ids = [post_id for _, post_id in page.items]
    found = await post_cards.visible(ctx.deps, ctx.viewer_id, ids, surface)
    cards = {c.post.id: c for c in found}
    return assemble(info, page, cards, [reason] * len(page.items))


def card_connection(info: Info, found: CardPage) -> PostConnection:
    """A page whose cards were read with it (`resolvers.post_cards.listed_page`)."""
    return assemble(info, found.page, found.cards, [None] * len(found.page.items))


def assemble(
    info: Info,
    page: Page[int],
    cards: dict[int, PostCard],
    reasons: Sequence[FeedReason | None],
) -> PostConnection:
    """The connection of a page whose visible cards are `cards` (by post id); `reasons`
    are the items', in page order."""
    ctx = info.context
    remember(info, cards.values())
    edges = [
        PostEdge(cursor=cursor, node=Post.from_card(cards[post_id], ctx), reason=reason)
        for (cursor, post_id), reason in zip(page.items, reasons, strict=True)
        if post_id in cards
    ]
    # endCursor stays the page's last position even when its post was left out, so the
    # next page starts after it; startCursor is the first edge's, as Relay expects.
    return PostConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=False,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=page.end_cursor,
        ),
    )
