from __future__ import annotations

from datetime import datetime

import strawberry

from resolvers import comments
from resolvers.cursors import Page
from resolvers.errors import not_found
from schema import global_id
from schema.info import Info
from schema.types.connection import Connection
from schema.types.node import Node
from schema.types.post import Post
from schema.types.user import User
from storage.comments import CommentRow
from storage.posts import PostRow


@strawberry.type
class Comment(Node):
    row: strawberry.Private[CommentRow]
    body: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: CommentRow) -> Comment:
        return cls(
            row=row,
            id=strawberry.ID(global_id.encode("Comment", row.id)),
            body=row.body,
            created_at=row.created_at,
        )

    @classmethod
    async def load(cls, info: Info, comment_id: int) -> Comment | None:
        """The comment if the viewer may see its post; None otherwise."""
        row = await info.context.loaders.comment_by_id.load(comment_id)
        if row is None or await Post.load(info, row.post_id) is None:
            return None
        return cls.from_row(row)

    @strawberry.field
    async def post(self, info: Info) -> Post:
        post = await Post.load(info, self.row.post_id)
        if post is None:  # deleted (or hidden) after the comment was read
            raise not_found("Post")
        return post

    @strawberry.field
    async def author(self, info: Info) -> User:
        user = await User.load(info, self.row.author_id)
        assert user is not None, "comments are deleted with their author"
        return user


async def comment_connection(
    info: Info, post: PostRow, *, first: int, after: str | None
) -> Connection[Comment]:
    """`Post.comments`: oldest first; empty unless the viewer may see the post."""
    key = comments.page_key(info.context.deps, post.id, first=first, after=after)
    if not await Post.viewer_may_see(info, post):
        return Connection.from_page(Page(items=[], has_next=False), Comment.from_row)
    rows = await info.context.loaders.comment_page_by_post_id.load(key)
    return Connection.from_page(comments.to_page(rows, key), Comment.from_row)
