"""Story jobs: process a story's media, remove expired stories, re-queue lost processing."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial
from typing import Any

from arq import Retry

from resolvers.deps import Deps
from resolvers.stories import enqueue_processing
from storage import media, stories
from workers.imaging import MediaRejected
from workers.media import RETRY_DELAYS
from workers.renditions import (
    delete_own_objects,
    process_media,
    release,
    release_objects,
    remember_deleted,
)

logger = logging.getLogger("snapfeed.workers.stories")

EXPIRED_BATCH = 500


async def process_story(ctx: dict[str, Any], story_id: int) -> str:
    """Turn the story's upload into READY variants, or FAILED with a reason for its author.

    Idempotent: re-running it writes the same keys and updates the same row.
    """
    deps: Deps = ctx["deps"]
    row = await stories.media_of(deps.db, story_id)
    if row is None:
        return "gone"
    if row.status != "processing":
        return row.status
    try:
        await process_media(deps, row)
    except MediaRejected as rejected:
        await _fail(deps, row.id, rejected.reason)
        return "failed"
    except Exception:
        job_try = int(ctx.get("job_try", 1))
        if job_try <= len(RETRY_DELAYS):
            logger.warning("story %s: transient failure, retrying", story_id, exc_info=True)
            raise Retry(defer=RETRY_DELAYS[job_try - 1]) from None
        logger.exception("story %s: giving up after %d tries", story_id, job_try)
        await _fail(deps, row.id, "Processing failed; please try again")
        return "failed"
    if await stories.media_of(deps.db, story_id) is None:
        # Expired and cleaned up while we worked: what we just wrote belongs to nobody.
        await delete_own_objects(deps, [row.id])
        return "gone"
    return "ready"


async def _fail(deps: Deps, media_id: int, reason: str) -> None:
    # Objects first: if we crash before the row changes, the job simply runs again. What
    # other media share stays (the periodic sweep forgets the renditions this kills).
    await release_objects(deps, [media_id])
    async with deps.db.acquire() as conn:
        await media.mark_failed(conn, media_id, reason)
    logger.info("story media %s failed: %s", media_id, reason)


async def purge_expired_stories(ctx: dict[str, Any]) -> int:
    """Delete stories past their expiry, with their views, media rows and objects.

    Reads already hide them (expiry is checked against the clock on every path), so this
    only reclaims space. Objects go first: a crash half-way leaves rows that the next run
    finds again.
    """
    deps: Deps = ctx["deps"]
    removed = 0
    while batch := await stories.expired(deps.db, now=deps.clock(), limit=EXPIRED_BATCH):
        media_ids = [media_id for _, media_id in batch]
        await remember_deleted(deps, media_ids)
        story_ids = [story_id for story_id, _ in batch]
        deleted = await release(
            deps, media_ids, partial(stories.delete_with_media, deps.db, story_ids)
        )
        removed += deleted
        if len(batch) < EXPIRED_BATCH or not deleted:
            break
    if removed:
        logger.info("removed %d expired stories", removed)
    return removed


async def reconcile_stuck_stories(ctx: dict[str, Any]) -> int:
    """Re-queue live stories whose processing job was lost; a queued job is not doubled."""
    deps: Deps = ctx["deps"]
    now = deps.clock()
    stuck = await stories.stuck_processing(
        deps.db,
        created_before=now - timedelta(seconds=deps.settings.stuck_processing_seconds),
        now=now,
        limit=500,
    )
    queued = 0
    for story_id in stuck:
        if await enqueue_processing(deps, story_id):
            queued += 1
    if queued:
        logger.info("re-queued %d stuck story(ies)", queued)
    return queued
