from __future__ import annotations

import strawberry

from resolvers import safety
from schema.info import Info
from schema.types.connection import Connection
from schema.types.user import User


@strawberry.type
class SafetyQueries:
    @strawberry.field(description="Users the viewer blocked, most recent first.")
    async def blocked_users(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[User]:
        ctx = info.context
        page = await safety.blocked_users(
            ctx.deps, ctx.require_viewer(), first=20 if first is None else first, after=after
        )
        return Connection.from_page(page, User.from_row)
