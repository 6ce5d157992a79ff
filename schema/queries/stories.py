from __future__ import annotations

import strawberry

from resolvers import stories
from schema.info import Info
from schema.types.story import Story
from schema.types.story_reel import StoryReel


@strawberry.type
class StoryQueries:
    @strawberry.field(
        description="The viewer's own stories first, then those of everyone they follow:"
        " reels with unseen stories first, then by most recent story."
    )
    async def story_reels(self, info: Info) -> list[StoryReel]:
        ctx = info.context
        tray = await stories.story_reels(ctx.deps, ctx.require_viewer())
        # The one reels query already read the media and the seen flags: the fields that
        # would load them get them from here, with no further round trip.
        for media_row in tray.media.values():
            ctx.loaders.media_by_id.prime(media_row.id, media_row)
        for story_id, seen in tray.seen.items():
            ctx.loaders.story_seen_by_id.prime(story_id, seen)
        return [
            StoryReel(
                author_id=reel.author_id,
                stories=[Story.from_row(row) for row in reel.stories],
                has_unseen=reel.has_unseen,
            )
            for reel in tray.reels
        ]
