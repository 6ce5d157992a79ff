"""Stories: one photo or video for 24 hours, shown to the author's approved followers."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from resolvers import ratelimit
from resolvers.deps import Deps
from resolvers.errors import AppError, ErrorCode, not_found
from resolvers.media import check_uploaded, check_usable
from resolvers.story_reels import Reel, group_reels
from storage import jobs, media, stories, users, visibility
from storage.media import MediaRow
from storage.stories import StoryRow
from storage.visibility import Surface, is_expired, may_see_story

logger = logging.getLogger("snapfeed.stories")

STORY_TTL = timedelta(hours=24)


async def create_story(deps: Deps, viewer_id: int, media_id: int) -> StoryRow:
    """Record the story and queue its media for processing; returns at once.

    Others see it once the media is READY; it expires STORY_TTL after creation.
    """
    found = {row.id: row for row in await media.by_ids(deps.db, [media_id])}
    check_usable(found, [media_id], viewer_id)
    await check_uploaded(deps, [found[media_id]], field="mediaId")
    await ratelimit.spend(deps, viewer_id, "post")
    now = deps.clock()
    story = await stories.insert_claiming_media(
        deps.db, author_id=viewer_id, media_id=media_id, created_at=now, expires_at=now + STORY_TTL
    )
    if story is None:  # a post or another story took the media since the check above
        raise AppError(ErrorCode.CONFLICT, "This media is already part of a post or a story")
    await enqueue_processing(deps, story.id)
    return story


async def enqueue_processing(deps: Deps, story_id: int) -> bool:
    """Queue the story's media processing; False if already queued (or the queue is down)."""
    try:
        return await jobs.enqueue(
            deps.jobs, jobs.PROCESS_STORY, story_id, job_id=jobs.story_job_id(story_id)
        )
    except Exception:
        # The story is safely stored; the stuck-story reconciler queues it again.
        logger.exception("could not queue processing of story %s", story_id)
        return False


async def mark_seen(deps: Deps, viewer_id: int, story_id: int) -> StoryRow:
    """Record that the viewer saw a story they may see (idempotent); NOT_FOUND otherwise."""
    found = await stories.by_ids(deps.db, [story_id])
    if not found:
        raise not_found("Story")
    story = found[0]
    media_rows, authors, relations = await asyncio.gather(
        media.by_ids(deps.db, [story.media_id]),
        users.by_ids(deps.db, [story.author_id]),
        visibility.relations(deps.db, viewer_id, [story.author_id]),
    )
    now = deps.clock()
    if not (
        media_rows
        and authors
        and story.author_id in relations
        and may_see_story(
            relations[story.author_id],
            media_ready=media_rows[0].status == "ready",
            expired=is_expired(story.expires_at, now),
            surface=Surface.LOOKUP,
        )
    ):
        raise not_found("Story")
    await stories.mark_seen(deps.db, story.id, viewer_id, seen_at=now)
    return story


@dataclass(frozen=True)
class Reels:
    reels: list[Reel]
    media: dict[int, MediaRow]  # by media id, for every story in the reels
    seen: dict[int, bool]  # by story id: has the viewer seen it


async def story_reels(deps: Deps, viewer_id: int) -> Reels:
    """The viewer's tray: their own live stories and those of everyone they follow.

    One query whatever the number of authors and stories.
    """
    entries = await stories.reel_entries(deps.db, viewer_id, now=deps.clock())
    seen = {e.story.id: e.seen for e in entries}
    reels = group_reels((e.story for e in entries), {i for i, s in seen.items() if s}, viewer_id)
    return Reels(reels, {e.media.id: e.media for e in entries}, seen)
