"""Media jobs: process a post's uploads into variants, remove a deleted post's objects."""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from arq import Retry

from resolvers import live
from resolvers.deps import Deps
from resolvers.media_edits import as_crop
from storage import jobs, media, moderation, notifications, posts
from storage.media import MediaRow, VariantRow
from storage.moderation import RemovedMatch
from storage.objects.base import (
    IMMUTABLE_CACHE_CONTROL,
    media_prefix,
    original_key,
    variant_key,
)
from workers.imaging import MediaRejected, ProcessedImage, process_image, process_video
from workers.imaging.processes import ChildProcesses

logger = logging.getLogger("snapfeed.workers.media")

RETRY_DELAYS = (5, 30, 120, 600)  # seconds before the 2nd, 3rd, ... try
ABANDONED_UPLOAD_SECONDS = 24 * 3600
# A job's scratch files live in `{tmp}/snapfeed-media-{pid}-*`: a worker starting up removes
# those of dead pids (workers.liveness), which a SIGKILLed worker could not clean itself.
TEMP_PREFIX = "snapfeed-media-"
# Upload URLs expire `upload_url_ttl_seconds` after their row is made, give or take clocks.
UPLOAD_URL_SLACK_SECONDS = 60
TOMBSTONE_BATCH = 500


async def process_post(ctx: dict[str, Any], post_id: int) -> str:
    """Process every media of a PROCESSING post, then publish it (or fail it, cleanly).

    Re-running it after a crash writes the same keys and updates the same rows.
    """
    deps: Deps = ctx["deps"]
    found = await posts.by_ids(deps.db, [post_id])
    if not found or found[0].status != "processing":
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
    await live.post_changed(deps, post_id)
    await jobs.enqueue(deps.jobs, jobs.FANOUT_POST, post_id, job_id=jobs.fanout_job_id(post_id))
    return published.status


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


async def process_media(deps: Deps, row: MediaRow) -> None:
    """Turn one uploaded original into READY variants (idempotent: same keys, same row)."""
    settings = deps.settings
    # Cleanup errors ignored: after a cancellation a worker thread may still be writing here.
    with tempfile.TemporaryDirectory(
        prefix=f"{TEMP_PREFIX}{os.getpid()}-", ignore_cleanup_errors=True
    ) as tmp:
        workdir = Path(tmp)
        source = workdir / "original"
        try:
            await deps.objects.download(original_key(row.id), source)
        except FileNotFoundError:
            raise MediaRejected("The upload is missing") from None
        if source.stat().st_size > row.byte_size:
            raise MediaRejected("The upload is larger than declared")

        video_key: str | None = None
        duration_ms: int | None = None
        if row.kind == "video":
            children = ChildProcesses()
            try:
                video = await asyncio.to_thread(
                    process_video,
                    source,
                    workdir,
                    max_seconds=settings.max_video_seconds,
                    max_bytes=settings.max_video_bytes,
                    max_pixels=settings.max_image_pixels,
                    children=children,
                )
            finally:
                # On cancellation (job timeout, shutdown) the thread runs on: stop its ffmpeg.
                children.kill_all()
            video_key = variant_key(row.id, row.key_secret, "video", "mp4")
            await deps.objects.put_file(
                video_key,
                video.mp4_path,
                content_type="video/mp4",
                cache_control=IMMUTABLE_CACHE_CONTROL,
            )
            image: ProcessedImage = video.poster
            width, height, duration_ms = video.width, video.height, video.duration_ms
        else:
            image = await asyncio.to_thread(
                process_image,
                source,
                max_pixels=settings.max_image_pixels,
                max_bytes=settings.max_upload_bytes,
                crop=as_crop(row.crop),
                filter_name=row.filter.upper(),
            )
            width, height = image.width, image.height

        variants = [
            VariantRow(
                v.size,
                variant_key(row.id, row.key_secret, v.size, "webp"),
                v.width,
                v.height,
                v.content_type,
            )
            for v in image.variants
        ]
        await asyncio.gather(
            *(
                deps.objects.put(
                    stored.key,
                    v.data,
                    content_type=v.content_type,
                    cache_control=IMMUTABLE_CACHE_CONTROL,
                )
                for stored, v in zip(variants, image.variants, strict=True)
            )
        )
    await media.mark_ready(
        deps.db,
        row.id,
        width=width,
        height=height,
        blurhash=image.blurhash,
        phash=image.phash,
        variants=variants,
        video_key=video_key,
        duration_ms=duration_ms,
    )


async def _fail(
    deps: Deps, post_id: int, rows: list[MediaRow], culprit: int | None, reason: str
) -> None:
    # Objects first: if we crash before the rows change, the job simply runs again.
    for row in rows:
        await deps.objects.delete_prefix(media_prefix(row.id))
    async with deps.db.acquire() as conn, conn.transaction():
        for row in rows:
            why = reason if row.id == culprit or culprit is None else "Another item failed"
            await media.mark_failed(conn, row.id, why)
        if await posts.fail(conn, post_id, reason):
            await notifications.told_post(conn, "post_failed", post_id)
    await live.post_changed(deps, post_id)
    logger.info("post %s failed: %s", post_id, reason)


async def delete_post_media(ctx: dict[str, Any], post_id: int) -> int:
    """Remove a deleted post's originals and variants, then its rows."""
    deps: Deps = ctx["deps"]
    rows = await media.by_post_ids(deps.db, [post_id])
    await remember_deleted(deps, [r.id for r in rows])
    await deps.objects.delete([original_key(r.id) for r in rows])
    for row in rows:
        await deps.objects.delete_prefix(media_prefix(row.id))
    await posts.purge(deps.db, post_id)
    return len(rows)


async def remember_deleted(deps: Deps, media_ids: list[int]) -> None:
    """Before deleting media: sweep their keys again once their upload URLs have expired.

    An S3 presigned PUT cannot be revoked, and `If-None-Match: *` only stops it while the
    original exists: right after a delete, the URL could re-create it for nobody to remove.
    """
    ttl = deps.settings.upload_url_ttl_seconds + UPLOAD_URL_SLACK_SECONDS
    await media.remember_deleted(deps.db, media_ids, upload_ttl_seconds=ttl)


async def sweep_media_tombstones(ctx: dict[str, Any]) -> int:
    """The second sweep of deleted media, once their upload URLs have expired."""
    deps: Deps = ctx["deps"]
    swept = 0
    while ids := await media.due_tombstones(deps.db, limit=TOMBSTONE_BATCH):
        await deps.objects.delete([original_key(i) for i in ids])
        for media_id in ids:
            await deps.objects.delete_prefix(media_prefix(media_id))
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
