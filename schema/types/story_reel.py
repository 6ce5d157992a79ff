from __future__ import annotations

import strawberry

from schema.info import Info
from schema.types.story import Story
from schema.types.user import User


@strawberry.type(description="One author's live stories, as a tray shows them.")
class StoryReel:
    author_id: strawberry.Private[int]
    stories: list[Story] = strawberry.field(description="Oldest first.")
    has_unseen: bool = strawberry.field(description="Some story here is not seen by the viewer.")

    @strawberry.field
    async def author(self, info: Info) -> User:
        user = await User.load(info, self.author_id)
        assert user is not None, "stories are deleted with their author"
        return user
