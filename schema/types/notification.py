from __future__ import annotations

from datetime import datetime

import strawberry

from resolvers import notifications
from resolvers.cursors import Page
from schema import global_id
from schema.enum_values import EnumValues
from schema.info import Info
from schema.types.comment import Comment
from schema.types.connection import Connection
from schema.types.node import Node
from schema.types.notification_kind import NotificationKind
from schema.types.post import Post
from schema.types.user import User
from storage.notifications import NotificationRow

_VALUES = EnumValues(NotificationKind)


@strawberry.type
class Notification(Node):
    row: strawberry.Private[NotificationRow]
    kind: NotificationKind
    actor_count: int = strawberry.field(
        description='All actors folded in ("ada, bob and 12 others"), as the viewer may see.'
    )
    read: bool
    created_at: datetime = strawberry.field(description="The time of the newest event folded in.")

    @classmethod
    def from_row(cls, row: NotificationRow) -> Notification:
        return cls(
            row=row,
            id=global_id.encode("Notification", row.id),
            kind=_VALUES[row.kind],
            actor_count=row.actor_count,
            read=row.read,
            created_at=row.updated_at,
        )

    @classmethod
    async def load(cls, info: Info, notification_id: int) -> Notification | None:
        """The viewer's own notification, if it exists for them now."""
        ctx = info.context
        if ctx.viewer_id is None:
            return None
        found = await notifications.by_ids(ctx.deps, ctx.viewer_id, [notification_id])
        return cls.from_row(found[0]) if found else None

    @strawberry.field(description="Newest first.")
    async def actors(self, info: Info, first: int | None = 3) -> list[User]:
        ctx = info.context
        viewer_id = ctx.require_viewer()
        limit = 3 if first is None else first
        rows = await notifications.actors(ctx.deps, viewer_id, self.row, limit)
        return [User.from_row(r) for r in rows]

    @strawberry.field
    async def post(self, info: Info) -> Post | None:
        if self.row.post_id is None:
            return None
        return await Post.load(info, self.row.post_id)

    @strawberry.field
    async def comment(self, info: Info) -> Comment | None:
        if self.row.comment_id is None:
            return None
        return await Comment.load(info, self.row.comment_id)


def notification_connection(page: Page[NotificationRow]) -> Connection[Notification]:
    return Connection.from_page(page, Notification.from_row)
