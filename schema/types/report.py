from __future__ import annotations

from datetime import datetime

import strawberry

from schema import global_id
from schema.enum_values import EnumValues
from schema.info import Info
from schema.types.comment import Comment
from schema.types.node import Node
from schema.types.post import Post
from schema.types.report_reason import ReportReason
from schema.types.user import User
from storage.moderation import ReportRow

_VALUES = EnumValues(ReportReason)


@strawberry.type(description="Moderators only.")
class Report(Node):
    row: strawberry.Private[ReportRow]
    reason: ReportReason
    note: str | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: ReportRow) -> Report:
        return cls(
            row=row,
            id=global_id.encode("Report", row.id),
            reason=_VALUES[row.reason],
            note=row.note,
            created_at=row.created_at,
        )

    @classmethod
    async def load(cls, info: Info, report_id: int) -> Report | None:
        """For moderators; None for everyone else, as for a missing report."""
        ctx = info.context
        if ctx.viewer_id is None:
            return None
        viewer = await ctx.loaders.user_by_id.load(ctx.viewer_id)
        if viewer is None or not viewer.is_moderator:
            return None
        found = await ctx.loaders.report_by_id.load(report_id)
        return None if found is None else cls.from_row(found)

    @strawberry.field(description="The reported post (for a comment report, the comment's).")
    async def post(self, info: Info) -> Post | None:
        return await Post.load(info, self.row.post_id)

    @strawberry.field(description="The reported comment; null for a post report.")
    async def comment(self, info: Info) -> Comment | None:
        if self.row.comment_id is None:
            return None
        return await Comment.load(info, self.row.comment_id)

    @strawberry.field
    async def reporter(self, info: Info) -> User:
        user = await User.load(info, self.row.reporter_id)
        assert user is not None, "reports are deleted with their reporter"
        return user
