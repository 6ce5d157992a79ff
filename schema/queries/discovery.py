from __future__ import annotations

import strawberry

from resolvers import explore, hashtag_pages, search
from schema import lookahead
from schema.info import Info
from schema.types.hashtag import POSTS_FIRST, Hashtag
from schema.types.place import Place
from schema.types.post_connection import PostConnection, card_connection
from schema.types.search_result import SearchResult
from schema.types.user import User


@strawberry.type
class DiscoveryQueries:
    @strawberry.field(
        description="Public posts ranked by recent engagement, without the viewer's own"
        " and those of accounts the viewer follows."
    )
    async def explore(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> PostConnection:
        ctx = info.context
        page = await explore.explore_page(
            ctx.deps, ctx.viewer_id, first=20 if first is None else first, after=after
        )
        return card_connection(info, page)

    @strawberry.field(
        description="Case-insensitive, with or without '#'; null when none of its posts is"
        " visible to the viewer."
    )
    async def hashtag(self, info: Info, name: str) -> Hashtag | None:
        ctx = info.context
        asked = lookahead.page_arguments(info, "posts", POSTS_FIRST)
        if asked is not None:  # the tag's page is read with the tag
            first, after = asked
            found = await hashtag_pages.hashtag_with_posts(
                ctx.deps, name, viewer_id=ctx.viewer_id, first=first, after=after
            )
            if found is not None:
                row, page = found
                read_with = lookahead.ReadWith(first, after, page)
                return None if row is None else Hashtag.from_row(row, read_with)
        row = await hashtag_pages.hashtag(ctx.deps, name, viewer_id=ctx.viewer_id)
        return None if row is None else Hashtag.from_row(row)

    @strawberry.field(description="Users, hashtags and places by prefix.")
    async def search(self, info: Info, query: str, first: int | None = 10) -> SearchResult:
        ctx = info.context
        found = await search.search(
            ctx.deps, query, first=10 if first is None else first, viewer_id=ctx.viewer_id
        )
        return SearchResult(
            users=[User.from_row(r) for r in found.users],
            hashtags=[Hashtag.from_row(r) for r in found.hashtags],
            places=[Place.from_row(r) for r in found.places],
        )
