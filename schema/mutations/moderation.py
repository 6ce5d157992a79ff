from __future__ import annotations

import strawberry

from resolvers import moderation
from resolvers.errors import not_found
from schema import global_id
from schema.info import Info
from schema.types.moderation_action import ModerationAction
from schema.types.post import Post
from schema.types.report_reason import ReportReason


@strawberry.type
class ModerationMutations:
    @strawberry.mutation(
        description="Idempotent (one report per reporter and post) and rate limited. Enough"
        " distinct reporters turn the post FLAGGED: out of discovery until a moderator acts."
    )
    async def report_post(
        self, info: Info, post_id: strawberry.ID, reason: ReportReason, note: str | None = None
    ) -> bool:
        ctx = info.context
        target = global_id.decode_as(post_id, "Post", field="postId")
        return await moderation.report_post(
            ctx.deps, ctx.require_viewer(), target, reason.to_domain(), note
        )

    @strawberry.mutation(description="Idempotent (one report per reporter and comment).")
    async def report_comment(
        self,
        info: Info,
        comment_id: strawberry.ID,
        reason: ReportReason,
        note: str | None = None,
    ) -> bool:
        ctx = info.context
        target = global_id.decode_as(comment_id, "Comment", field="commentId")
        return await moderation.report_comment(
            ctx.deps, ctx.require_viewer(), target, reason.to_domain(), note
        )

    @strawberry.mutation(
        description="Moderators only. Closes the open reports of the post and its comments;"
        " every action is kept in the audit trail."
    )
    async def moderate_post(
        self,
        info: Info,
        post_id: strawberry.ID,
        action: ModerationAction,
        note: str | None = None,
    ) -> Post:
        ctx = info.context
        target = global_id.decode_as(post_id, "Post", field="postId")
        await moderation.moderate_post(
            ctx.deps, ctx.require_viewer(), target, action.to_domain(), note
        )
        post = await Post.fresh(info, target)
        if post is None:  # deleted by its author meanwhile
            raise not_found("Post")
        return post
