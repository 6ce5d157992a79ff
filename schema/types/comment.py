from __future__ import annotations

from datetime import datetime

import strawberry

from resolvers import comments
from resolvers.errors import not_found
from schema import global_id
from schema.info import Info
from schema.types.connection import Connection
from schema.types.node import Node
from schema.types.post import Post
from schema.types.user import User
from storage.comments import CommentRow
from storage.posts import PostRow
from storage.users import UserRow
from storage.visibility import Surface, may_see_comment


@strawberry.type
class Comment(Node):
    row: strawberry.Private[CommentRow]
    body: str
    created_at: datetime
    author: User

    @classmethod
    def from_row(cls, row: CommentRow, author: UserRow) -> Comment:
        return cls(
            row=row,
            id=global_id.encode("Comment", row.id),
            body=row.body,
            created_at=row.created_at,
            author=User.from_row(author),
        )

    @classmethod
    async def load(cls, info: Info, comment_id: int) -> Comment | None:
        """The comment if the viewer may see it (its post, and no block with its author)."""
        loaders = info.context.loaders
        row = await loaders.comment_by_id.load(comment_id)
        if row is None:
            return None
        post_visible = await Post.load(info, row.post_id) is not None
        author = await loaders.user_by_id.load(row.author_id)
        assert author is not None, "comments are deleted with their author"
        relation = await loaders.relation_by_user_id.of(author)
        if not may_see_comment(relation, post_visible=post_visible, surface=Surface.LOOKUP):
            return None
        return cls.from_row(row, author)

    @strawberry.field
    async def post(self, info: Info) -> Post:
        post = await Post.load(info, self.row.post_id)
        if post is None:  # deleted (or hidden) after the comment was read
            raise not_found("Post")
        return post


async def comment_connection(
    info: Info, post: PostRow, *, first: int, after: str | None
) -> Connection[Comment]:
    """`Post.comments`: oldest first; empty unless the viewer may see the post."""
    loaders = info.context.loaders
    key = comments.page_key(info.context.deps, post.id, first=first, after=after)
    if await loaders.post_card_by_id.load(post.id) is None:
        return Connection(edges=[], page_info=Connection.empty_page_info())
    page = comments.to_page(await loaders.comment_page_by_post_id.load(key), key)
    return Connection.from_page(page, lambda authored: Comment.from_row(*authored))
