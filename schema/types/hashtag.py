from __future__ import annotations

from collections.abc import Awaitable

import strawberry

from resolvers import hashtag_pages
from resolvers.post_cards import CardPage
from schema.info import Info
from schema.lookahead import ReadWith
from schema.types.post_connection import PostConnection, card_connection
from storage.hashtags import HashtagRow

POSTS_FIRST = 20  # `posts` without `first`


@strawberry.type
class Hashtag:
    row: strawberry.Private[HashtagRow]
    name: str = strawberry.field(description="Lower-case, without '#'.")
    post_count: int = strawberry.field(
        description="Published posts with the tag that the viewer may see."
    )

    # A page of `posts` read with the tag (`DiscoveryQueries.hashtag`).
    read_with: strawberry.Private[ReadWith[CardPage] | None] = None

    @classmethod
    def from_row(cls, row: HashtagRow, read_with: ReadWith[CardPage] | None = None) -> Hashtag:
        return cls(row=row, name=row.name, post_count=row.post_count, read_with=read_with)

    # Synchronous when the page came with the tag: an async resolver would cost the page a
    # coroutine, and the tag's fields a gather, for a value already in hand.
    @strawberry.field(
        description="Posts with the tag that the viewer may see, newest first.",
        graphql_type=PostConnection,
    )
    def posts(
        self, info: Info, first: int | None = POSTS_FIRST, after: str | None = None
    ) -> PostConnection | Awaitable[PostConnection]:
        first = POSTS_FIRST if first is None else first
        read = self.read_with.page_for(first, after) if self.read_with else None
        if read is not None:
            return card_connection(info, read)
        return self._read_posts(info, first, after)

    async def _read_posts(self, info: Info, first: int, after: str | None) -> PostConnection:
        ctx = info.context
        page = await hashtag_pages.posts_page(
            ctx.deps, self.row.name, viewer_id=ctx.viewer_id, first=first, after=after
        )
        return card_connection(info, page)
