from __future__ import annotations

import strawberry

from schema.info import Info
from schema.node import resolve_node
from schema.types.node import Node
from schema.types.user import User


@strawberry.type
class AccountQueries:
    @strawberry.field(description="The signed-in user; null when not signed in.")
    async def viewer(self, info: Info) -> User | None:
        viewer_id = info.context.viewer_id
        return None if viewer_id is None else await User.load(info, viewer_id)

    @strawberry.field
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await resolve_node(info, id)

    @strawberry.field
    async def user(self, info: Info, username: str) -> User | None:
        return await User.named(info, username)
