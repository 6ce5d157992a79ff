from __future__ import annotations

import strawberry

from resolvers import comments, likes
from resolvers.errors import not_found
from schema import global_id
from schema.info import Info
from schema.types.comment import Comment
from schema.types.post import Post
from storage.post_access import PostAccess


def _forget_engagement(info: Info) -> None:
    """A document may hold several mutations, run in order: what one changed must not be
    answered from what an earlier one cached (posts with their counts, comment pages)."""
    info.context.loaders.post_card_by_id.clear_all()
    info.context.loaders.comment_page_by_post_id.clear_all()


async def _fresh_post(info: Info, access: PostAccess) -> Post:
    """The post as it is now, counts included."""
    _forget_engagement(info)
    post = await Post.load(info, access.post.id)
    if post is None:  # deleted between the write and this read
        raise not_found("Post")
    return post


@strawberry.type
class EngagementMutations:
    @strawberry.mutation(description="Idempotent: liking twice is one like.")
    async def like_post(self, info: Info, post_id: strawberry.ID) -> Post:
        ctx = info.context
        viewer_id = ctx.require_viewer()
        target = global_id.decode_as(post_id, "Post", field="postId")
        return await _fresh_post(info, await likes.like(ctx.deps, viewer_id, target))

    @strawberry.mutation(description="Idempotent: unliking a post not liked does nothing.")
    async def unlike_post(self, info: Info, post_id: strawberry.ID) -> Post:
        ctx = info.context
        viewer_id = ctx.require_viewer()
        target = global_id.decode_as(post_id, "Post", field="postId")
        return await _fresh_post(info, await likes.unlike(ctx.deps, viewer_id, target))

    @strawberry.mutation(description="Body: 1 to 2 200 characters once trimmed.")
    async def add_comment(self, info: Info, post_id: strawberry.ID, body: str) -> Comment:
        ctx = info.context
        viewer_id = ctx.require_viewer()
        target = global_id.decode_as(post_id, "Post", field="postId")
        _, row = await comments.add_comment(ctx.deps, viewer_id, target, body)
        _forget_engagement(info)
        ctx.loaders.comment_by_id.prime(row.id, row, force=True)
        author = await ctx.loaders.user_by_id.load(viewer_id)
        assert author is not None, "the viewer's token proved they exist"
        return Comment.from_row(row, author)

    @strawberry.mutation(
        description="By the comment's author, the post's author, or a moderator (audited)."
    )
    async def delete_comment(self, info: Info, id: strawberry.ID) -> bool:
        ctx = info.context
        viewer_id = ctx.require_viewer()
        comment_id = global_id.decode_as(id, "Comment", field="id")
        deleted = await comments.delete_comment(ctx.deps, viewer_id, comment_id)
        _forget_engagement(info)
        ctx.loaders.comment_by_id.prime(comment_id, None, force=True)
        return deleted
