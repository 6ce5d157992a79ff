from __future__ import annotations

import strawberry

from resolvers import moderation
from schema.info import Info
from schema.types.connection import Connection
from schema.types.report import Report


@strawberry.type
class ModerationQueries:
    @strawberry.field(description="Open reports, oldest first; FORBIDDEN for non-moderators.")
    async def moderation_queue(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[Report]:
        ctx = info.context
        page = await moderation.queue(
            ctx.deps, ctx.require_viewer(), first=20 if first is None else first, after=after
        )
        return Connection.from_page(page, Report.from_row)
