from __future__ import annotations

import strawberry

from resolvers import hashtag_pages
from resolvers.post_cards import CardPage
from schema.info import Info
from schema.types.post_connection import PostConnection, card_connection
from storage.hashtags import HashtagRow


@strawberry.type
class Hashtag:
    row: strawberry.Private[HashtagRow]
    name: str = strawberry.field(description="Lower-case, without '#'.")
    post_count: int = strawberry.field(
        description="Published posts with the tag that the viewer may see."
    )

    # A page of `posts` read with the tag (`first` and `after` it was read for, the page).
    read_with: strawberry.Private[tuple[int, str | None, CardPage] | None] = None

    @classmethod
    def from_row(
        cls, row: HashtagRow, read_with: tuple[int, str | None, CardPage] | None = None
    ) -> Hashtag:
        return cls(row=row, name=row.name, post_count=row.post_count, read_with=read_with)

    @strawberry.field(description="Posts with the tag that the viewer may see, newest first.")
    async def posts(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> PostConnection:
        ctx = info.context
        first = 20 if first is None else first
        if self.read_with is not None and self.read_with[:2] == (first, after):
            return card_connection(info, self.read_with[2])
        page = await hashtag_pages.posts_page(
            ctx.deps, self.row.name, viewer_id=ctx.viewer_id, first=first, after=after
        )
        return card_connection(info, page)
