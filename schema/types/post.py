from __future__ import annotations

from datetime import datetime

import strawberry

from resolvers.privacy import can_view_post
from schema import global_id
from schema.info import Info
from schema.types.media import Media
from schema.types.node import Node
from schema.types.post_status import PostStatus
from schema.types.user import User
from storage.posts import PostRow


@strawberry.type
class Post(Node):
    row: strawberry.Private[PostRow]
    caption: str | None
    hashtags: list[str] = strawberry.field(description="Lower-case, without '#'.")
    location: str | None
    status: PostStatus
    like_count: int
    comment_count: int
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
            like_count=row.like_count,
            comment_count=row.comment_count,
            created_at=row.created_at,
        )

    @classmethod
    async def load(cls, info: Info, post_id: int) -> Post | None:
        """The post if the viewer may see it; None when missing, deleted or private."""
        loaders = info.context.loaders
        row = await loaders.post_by_id.load(post_id)
        if row is None:
            return None
        author = await loaders.user_by_id.load(row.author_id)
        if author is None:
            return None
        state = await loaders.follow_state_by_user_id.load(author.id)
        if not can_view_post(row.status, author, info.context.viewer_id, state):
            return None
        return cls.from_row(row)

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
