from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from resolvers.privacy import can_view_post
from schema import global_id
from schema.info import Info
from schema.types.connection import Connection
from schema.types.media import Media
from schema.types.node import Node
from schema.types.post_status import PostStatus
from schema.types.user import User
from storage.posts import PostRow

if TYPE_CHECKING:
    from schema.types.comment import Comment


@strawberry.type
class Post(Node):
    row: strawberry.Private[PostRow]
    caption: str | None
    hashtags: list[str] = strawberry.field(description="Lower-case, without '#'.")
    location: str | None
    status: PostStatus
    created_at: datetime

    @classmethod
    def from_row(cls, row: PostRow) -> Post:
        return cls(
            row=row,
            id=strawberry.ID(global_id.encode("Post", row.id)),
            caption=row.caption,
            hashtags=list(row.hashtags),
            location=row.location,
            status=PostStatus(row.status.upper()),
            created_at=row.created_at,
        )

    @classmethod
    async def load(cls, info: Info, post_id: int) -> Post | None:
        """The post if the viewer may see it; None when missing, deleted or private."""
        row = await info.context.loaders.post_by_id.load(post_id)
        if row is None or not await cls.viewer_may_see(info, row):
            return None
        return cls.from_row(row)

    @staticmethod
    async def viewer_may_see(info: Info, row: PostRow) -> bool:
        loaders = info.context.loaders
        author = await loaders.user_by_id.load(row.author_id)
        if author is None:
            return False
        state = await loaders.follow_state_by_user_id.load(author.id)
        return can_view_post(row.status, author, info.context.viewer_id, state)

    @strawberry.field
    async def author(self, info: Info) -> User:
        user = await User.load(info, self.row.author_id)
        assert user is not None, "posts are deleted with their author"
        return user

    @strawberry.field(description="1 to 10 items, in carousel order.")
    async def media(self, info: Info) -> list[Media]:
        rows = await info.context.loaders.media_by_post_id.load(self.row.id)
        return [Media.from_row(row) for row in rows]

    @strawberry.field(description="Why processing failed; shown to the author only.")
    def failure_reason(self, info: Info) -> str | None:
        return self.row.failure_reason if info.context.viewer_id == self.row.author_id else None

    @strawberry.field
    async def like_count(self, info: Info) -> int:
        return (await info.context.loaders.post_counts_by_post_id.load(self.row.id)).likes

    @strawberry.field
    async def comment_count(self, info: Info) -> int:
        return (await info.context.loaders.post_counts_by_post_id.load(self.row.id)).comments

    @strawberry.field(description="False when not signed in.")
    async def viewer_has_liked(self, info: Info) -> bool:
        return await info.context.loaders.viewer_liked_by_post_id.load(self.row.id)

    @strawberry.field(description="Oldest first.")
    async def comments(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[Annotated[Comment, strawberry.lazy("schema.types.comment")]]:
        from schema.types.comment import comment_connection  # Comment refers back to Post

        return await comment_connection(
            info, self.row, first=20 if first is None else first, after=after
        )
