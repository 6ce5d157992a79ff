"""Media jobs: process a post's uploads into variants, remove a deleted post's objects."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from arq import Retry

from resolvers import live
from resolvers.deps import Deps
from storage import jobs, media, moderation, notifications, posts
from storage.media import MediaRow
from storage.moderation import RemovedMatch
from storage.objects.base import original_key
from storage.unavailable import UNAVAILABLE
from storage.visibility import FEED_STATES
from workers.fanout import FANOUT_RETRY_DELAYS
from workers.imaging import MediaRejected
from workers.renditions import (
    process_media,
    release,
    release_objects,
    remember_deleted,
    sweep_dead_renditions,
    sweep_keys,
)

logger = logging.getLogger("snapfeed.workers.media")

RETRY_DELAYS = (5, 30, 120, 600)  # seconds before the 2nd, 3rd, ... try
ABANDONED_UPLOAD_SECONDS = 24 * 3600
TOMBSTONE_BATCH = 500


async def process_post(ctx: dict[str, Any], post_id: int) -> str:
    """Process every media of a PROCESSING post, then publish it (or fail it, cleanly).

    Re-running it after a crash writes the same keys and updates the same rows.
    """
    deps: Deps = ctx["deps"]
    found = await posts.by_ids(deps.db, [post_id])
    if not found or found[0].status != "processing":
        if found and found[0].status in FEED_STATES and int(ctx.get("job_try", 1)) > 1:
            # This job's earlier try published the post but could not queue its fan-out.
            await _after_publish(ctx, post_id)
        return found[0].status if found else "gone"
    rows = await media.by_post_ids(deps.db, [post_id])
    current: MediaRow | None = None
    try:
        for current in rows:
            if current.status != "ready":
                await process_media(deps, current)
    except MediaRejected as rejected:
        assert current is not None
        await _fail(deps, post_id, rows, current.id, rejected.reason)
        return "failed"
    except Exception:
        job_try = int(ctx.get("job_try", 1))
        if job_try <= len(RETRY_DELAYS):
            logger.warning("post %s: transient failure, retrying", post_id, exc_info=True)
            raise Retry(defer=RETRY_DELAYS[job_try - 1]) from None
        logger.exception("post %s: giving up after %d tries", post_id, job_try)
        await _fail(deps, post_id, rows, None, "Processing failed; please try again")
        return "failed"
    lookalikes = await _removed_lookalikes(deps, post_id)
    async with deps.db.acquire() as conn, conn.transaction():
        published = await posts.publish(conn, post_id, flagged=bool(lookalikes))
        if published is not None:  # told with it, or not at all (a retry tells then)
            await notifications.told_published(conn, post_id)
    if published is None:
        return "unchanged"
    if lookalikes:
        await _report_reupload(deps, published.author_id, post_id, lookalikes)
    await _after_publish(ctx, post_id)
    return published.status


# Seconds waited inside the job before each new attempt to queue the fan-out (about 15 s in
# all), before falling back on arq's retry. arq records a retry in Redis: when Redis is
# what is down, the retry itself can be lost (the job then stays "in progress" and the post
# is never fanned out; the soak found it at a Valkey restart), so a short outage is waited
# out here.
QUEUE_WAITS: tuple[float, ...] = (0.5, 1, 2, 4, 8)


async def _after_publish(ctx: dict[str, Any], post_id: int) -> None:
    """Tell the post's watchers and queue its fan-out. The post is already PUBLISHED, so the
    reconciler would never look at it again: while Redis cannot be reached, this waits a
    little and then runs again later (and comes back here) instead of failing."""
    deps: Deps = ctx["deps"]
    told = False
    for wait in (*QUEUE_WAITS, None):
        try:
            if not told:  # watchers hear of it once, however often the queueing is tried
                await live.post_changed(deps, post_id)
                told = True
            await jobs.enqueue(
                deps.jobs, jobs.FANOUT_POST, post_id, job_id=jobs.fanout_job_id(post_id)
            )
            return
        except Exception as failure:  # whatever it was: without this job, no fan-out
            logger.warning(
                "post %s: could not queue its fan-out, %s",
                post_id,
                "trying again" if wait is not None else "retrying the job",
                exc_info=not isinstance(failure, UNAVAILABLE),
            )
            if wait is None:
                job_try = int(ctx.get("job_try", 1))
                if job_try > len(FANOUT_RETRY_DELAYS):
                    raise
                raise Retry(defer=FANOUT_RETRY_DELAYS[job_try - 1]) from None
        await asyncio.sleep(wait)


async def _removed_lookalikes(deps: Deps, post_id: int) -> list[RemovedMatch]:
    """Removed posts one of whose images this post's photos resemble (perceptual hashes
    within a few bits; a video counts by its poster frame)."""
    hashes = [m.phash for m in await media.by_post_ids(deps.db, [post_id]) if m.phash is not None]
    return await moderation.removed_lookalikes(deps.db, hashes)


async def _report_reupload(
    deps: Deps, author_id: int, post_id: int, lookalikes: list[RemovedMatch]
) -> None:
    """A re-upload of a removed image goes live FLAGGED (followers only, out of discovery);
    a report in the name of the moderator who removed the original puts it in the queue."""
    logger.info("post %s resembles removed post(s) %s: flagged", post_id, lookalikes)
    for match in lookalikes:
        if match.removed_by is not None and match.removed_by != author_id:
            await moderation.insert_report(
                deps.db,
                reporter_id=match.removed_by,
                post_id=post_id,
                comment_id=None,
                reason="other",
                note=f"Re-upload of an image removed from post {match.post_id}",
            )


async def _fail(
    deps: Deps, post_id: int, rows: list[MediaRow], culprit: int | None, reason: str
) -> None:
    # Objects first: if we crash before the rows change, the job simply runs again. What
    # other media share stays (the periodic sweep forgets the renditions this kills).
    await release_objects(deps, [row.id for row in rows])
    async with deps.db.acquire() as conn, conn.transaction():
        for row in rows:
            why = reason if row.id == culprit or culprit is None else "Another item failed"
            await media.mark_failed(conn, row.id, why)
        if await posts.fail(conn, post_id, reason):
            await notifications.told_post(conn, "post_failed", post_id)
    await live.post_changed(deps, post_id)
    logger.info("post %s failed: %s", post_id, reason)


async def delete_post_media(ctx: dict[str, Any], post_id: int) -> int:
    """Remove a deleted post's originals and variants (those no other media shares),
    then its rows."""
    deps: Deps = ctx["deps"]
    ids = [r.id for r in await media.by_post_ids(deps.db, [post_id])]
    await remember_deleted(deps, ids)
    await release(deps, ids, lambda: posts.purge(deps.db, post_id))
    return len(ids)


async def sweep_media_tombstones(ctx: dict[str, Any]) -> int:
    """The second sweep of deleted media (and dropped originals), once their upload URLs
    have expired; and of renditions that died without their objects being removed."""
    deps: Deps = ctx["deps"]
    await sweep_dead_renditions(deps)
    swept = 0
    while ids := await media.due_tombstones(deps.db, limit=TOMBSTONE_BATCH):
        await sweep_keys(deps, ids)
        await media.forget_tombstones(deps.db, ids)
        swept += len(ids)
        if len(ids) < TOMBSTONE_BATCH:
            break
    return swept


async def reconcile_stuck_posts(ctx: dict[str, Any]) -> int:
    """Re-queue posts stuck in PROCESSING (their job was lost); a queued job is not doubled."""
    deps: Deps = ctx["deps"]
    stuck = await posts.stuck_processing(
        deps.db, older_than_seconds=deps.settings.stuck_processing_seconds, limit=500
    )
    queued = 0
    for post_id in stuck:
        if await jobs.enqueue(
            deps.jobs, jobs.PROCESS_POST, post_id, job_id=jobs.post_job_id(post_id)
        ):
            queued += 1
    if queued:
        logger.info("re-queued %d stuck post(s)", queued)
    return queued


async def purge_abandoned_uploads(ctx: dict[str, Any]) -> int:
    """Uploads never attached to a post within a day are removed."""
    deps: Deps = ctx["deps"]
    ids = await media.abandoned(deps.db, older_than_seconds=ABANDONED_UPLOAD_SECONDS, limit=1000)
    if ids:
        await remember_deleted(deps, ids)  # only when the upload URLs outlive a day
        await deps.objects.delete([original_key(i) for i in ids])
        await media.delete(deps.db, ids)
    return len(ids)
