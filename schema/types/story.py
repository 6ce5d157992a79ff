from __future__ import annotations

import asyncio
from datetime import datetime

import strawberry

from schema import global_id
from schema.info import Info
from schema.types.media import Media
from schema.types.node import Node
from schema.types.user import User
from storage.stories import StoryRow
from storage.visibility import Surface, is_expired, may_see_story


@strawberry.type
class Story(Node):
    row: strawberry.Private[StoryRow]
    created_at: datetime
    expires_at: datetime = strawberry.field(
        description="createdAt + 24 h; the story is never returned after that."
    )

    @classmethod
    def from_row(cls, row: StoryRow) -> Story:
        return cls(
            row=row,
            id=global_id.encode("Story", row.id),
            created_at=row.created_at,
            expires_at=row.expires_at,
        )

    @classmethod
    async def load(cls, info: Info, story_id: int) -> Story | None:
        """The story if the viewer may see it now; None when missing, expired or hidden."""
        ctx = info.context
        row = await ctx.loaders.story_by_id.load(story_id)
        if row is None:
            return None
        media, author = await asyncio.gather(
            ctx.loaders.media_by_id.load(row.media_id), ctx.loaders.user_by_id.load(row.author_id)
        )
        if media is None or author is None:
            return None
        relation = await ctx.loaders.relation_by_user_id.of(author)
        expired = is_expired(row.expires_at, ctx.deps.clock())
        ready = media.status == "ready"
        if not may_see_story(relation, media_ready=ready, expired=expired, surface=Surface.LOOKUP):
            return None
        return cls.from_row(row)

    @strawberry.field
    async def author(self, info: Info) -> User:
        user = await User.load(info, self.row.author_id)
        assert user is not None, "stories are deleted with their author"
        return user

    @strawberry.field(description="PROCESSING until the worker is done; others see READY only.")
    async def media(self, info: Info) -> Media:
        row = await info.context.loaders.media_by_id.load(self.row.media_id)
        assert row is not None, "a story's media is deleted with the story"
        return Media.from_row(row, info.context)

    @strawberry.field
    async def viewer_has_seen(self, info: Info) -> bool:
        return await info.context.loaders.story_seen_by_id.load(self.row.id)
