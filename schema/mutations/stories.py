from __future__ import annotations

import strawberry

from resolvers import stories
from schema import global_id
from schema.info import Info
from schema.types.story import Story


@strawberry.type
class StoryMutations:
    @strawberry.mutation(
        description="Share an uploaded, unused photo or video for 24 hours. Followers see it"
        " once its media is READY."
    )
    async def create_story(self, info: Info, media_id: strawberry.ID) -> Story:
        ctx = info.context
        viewer_id = ctx.require_viewer()
        row = await stories.create_story(
            ctx.deps, viewer_id, global_id.decode_as(media_id, "Media", field="mediaId")
        )
        return Story.from_row(row)

    @strawberry.mutation(description="Idempotent. NOT_FOUND for a story the viewer cannot see.")
    async def mark_story_seen(self, info: Info, story_id: strawberry.ID) -> Story:
        ctx = info.context
        viewer_id = ctx.require_viewer()
        row = await stories.mark_seen(
            ctx.deps, viewer_id, global_id.decode_as(story_id, "Story", field="storyId")
        )
        ctx.loaders.story_seen_by_id.prime(row.id, True, force=True)
        return Story.from_row(row)
