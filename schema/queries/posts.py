from __future__ import annotations

import strawberry

from schema import global_id
from schema.info import Info
from schema.types.post import Post


@strawberry.type
class PostQueries:
    @strawberry.field(description="Null (not an error) if missing or not visible.")
    async def post(self, info: Info, id: strawberry.ID) -> Post | None:
        decoded = global_id.decode(id)
        if decoded is None or decoded[0] != "Post":
            return None
        return await Post.load(info, decoded[1])
