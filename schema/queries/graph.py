from __future__ import annotations

import strawberry

from resolvers import graph
from schema.info import Info
from schema.types.connection import Connection
from schema.types.user import User


@strawberry.type
class GraphQueries:
    @strawberry.field(description="Pending requests to follow the viewer, newest first.")
    async def follow_requests(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[User]:
        ctx = info.context
        page = await graph.follow_requests(
            ctx.deps, ctx.require_viewer(), first=20 if first is None else first, after=after
        )
        return Connection.from_page(page, User.from_row)
