"""Processing an upload into a rendition, or finding the one its bytes already have; and
releasing media so that shared objects go only with their last user.

An upload is hashed (SHA-256) before any image work. If a live rendition has the same bytes,
edits and sharing scope (SNAPFEED_MEDIA_DEDUP), the media attaches to it and its own original
is dropped as a duplicate: no processing, no new objects. Otherwise the worker writes the
variants under the media's own keys and registers them as a new rendition with that media as
its source; the source's original is then kept, moved to a cold class, or deleted
(SNAPFEED_ORIGINALS). Keys keep the `media/{id}/{key_secret}/...` scheme: a media sharing a
rendition shows the source media's unguessable URLs.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

from resolvers.deps import Deps
from resolvers.media_edits import Edit, as_crop
from storage import media, renditions
from storage.media import MediaRow, VariantRow
from storage.objects.base import IMMUTABLE_CACHE_CONTROL, media_prefix, original_key, variant_key
from storage.renditions import DeadRendition, Rendition, RenditionKey
from storage.settings import Settings
from workers.imaging import MediaRejected, ProcessedImage, process_image, process_video
from workers.imaging.processes import ChildProcesses

logger = logging.getLogger("snapfeed.workers.renditions")

# A job's scratch files live in `{tmp}/snapfeed-media-{pid}-*`: a worker starting up removes
# those of dead pids (workers.liveness), which a SIGKILLed worker could not clean itself.
TEMP_PREFIX = "snapfeed-media-"
# Upload URLs expire `upload_url_ttl_seconds` after their row is made, give or take clocks.
UPLOAD_URL_SLACK_SECONDS = 60
DEDUP_SCOPES = ("global", "owner", "off")
ORIGINALS = ("keep", "cold", "delete")
_HASH_CHUNK = 1 << 20


def rendition_key(settings: Settings, row: MediaRow, digest: bytes) -> RenditionKey:
    """Who may share the rendition of this upload: everyone, its owner, or nobody."""
    if settings.media_dedup not in DEDUP_SCOPES:
        raise ValueError(f"SNAPFEED_MEDIA_DEDUP must be one of {', '.join(DEDUP_SCOPES)}")
    scope = {"global": 0, "owner": row.owner_id, "off": -row.id}[settings.media_dedup]
    return RenditionKey(digest, Edit(row.filter.upper(), as_crop(row.crop)).key, scope)


def sha256_of(path: Path) -> bytes:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.digest()


async def process_media(deps: Deps, row: MediaRow) -> None:
    """Make a PROCESSING media READY: attached to the rendition of its bytes and edits, made
    now if there is none. Idempotent: a re-run after a crash writes the same keys and finds
    or makes the same rendition."""
    with tempfile.TemporaryDirectory(
        # Cleanup errors ignored: after a cancellation a worker thread may still be writing.
        prefix=f"{TEMP_PREFIX}{os.getpid()}-",
        ignore_cleanup_errors=True,
    ) as tmp:
        workdir = Path(tmp)
        source = workdir / "original"
        try:
            await deps.objects.download(original_key(row.id), source)
        except FileNotFoundError:
            raise MediaRejected("The upload is missing") from None
        size = source.stat().st_size
        if size > row.byte_size:
            raise MediaRejected("The upload is larger than declared")
        key = rendition_key(deps.settings, row, await asyncio.to_thread(sha256_of, source))
        async with deps.db.acquire() as conn, conn.transaction():
            if await renditions.lock_media(conn, row.id) != "processing":
                return  # deleted, or done by another run meanwhile
            found = await renditions.lock_live(conn, key)
            if found is not None:
                await renditions.attach(conn, row.id, found)
        if found is not None:
            await _drop_duplicate_original(deps, row.id)
            return
        rendition = await _render(deps, row, source, workdir, size)
    await _register(deps, row, key, rendition)


async def _register(deps: Deps, row: MediaRow, key: RenditionKey, rendition: Rendition) -> None:
    """The variants just written become a live rendition used by this media; if an identical
    upload registered one meanwhile, this media uses that and ours go."""
    created: int | None = None
    async with deps.db.acquire() as conn, conn.transaction():
        if await renditions.lock_media(conn, row.id) != "processing":
            attached = None
        else:
            created = await renditions.insert(conn, key, row.id, rendition)
            attached = created if created is not None else await renditions.lock_live(conn, key)
            if attached is None:
                raise RuntimeError("a rendition appeared and died while we registered ours")
            await renditions.attach(conn, row.id, attached)
    if attached is None or created is None:
        # Gone meanwhile, or a twin won: what we wrote is nobody's (never a live source).
        await delete_own_objects(deps, [row.id])
        if attached is not None:
            await _drop_duplicate_original(deps, row.id)
        return
    await _store_original(deps, row.id, created)


async def _render(deps: Deps, row: MediaRow, source: Path, workdir: Path, size: int) -> Rendition:
    """Process the upload and write its variants under the media's own keys."""
    settings = deps.settings
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
    variants = tuple(
        VariantRow(
            v.size,
            variant_key(row.id, row.key_secret, v.size, "webp"),
            v.width,
            v.height,
            v.content_type,
        )
        for v in image.variants
    )
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
    return Rendition(
        width, height, duration_ms, image.blurhash, image.phash, variants, video_key, size
    )


async def _store_original(deps: Deps, media_id: int, rendition_id: int) -> None:
    """The source's original, now processed: kept, moved to the cold class, or deleted.

    A crash before this leaves it kept, which is always safe.
    """
    policy = deps.settings.originals
    if policy not in ORIGINALS:
        raise ValueError(f"SNAPFEED_ORIGINALS must be one of {', '.join(ORIGINALS)}")
    if policy == "cold":
        await deps.objects.archive(original_key(media_id), deps.settings.cold_storage_class)
        await renditions.set_original_state(deps.db, rendition_id, "cold")
    elif policy == "delete":
        await remember_deleted(deps, [media_id])
        await deps.objects.delete([original_key(media_id)])
        await renditions.set_original_state(deps.db, rendition_id, "deleted")


async def _drop_duplicate_original(deps: Deps, media_id: int) -> None:
    """An upload whose bytes a rendition already holds: its own copy is not needed."""
    await remember_deleted(deps, [media_id])
    await deps.objects.delete([original_key(media_id)])


async def remember_deleted(deps: Deps, media_ids: Sequence[int]) -> None:
    """Before deleting media or their originals: sweep their keys again once their upload
    URLs have expired.

    An S3 presigned PUT cannot be revoked, and `If-None-Match: *` only stops it while the
    original exists: right after a delete, the URL could re-create it for nobody to remove.
    """
    ttl = deps.settings.upload_url_ttl_seconds + UPLOAD_URL_SLACK_SECONDS
    await media.remember_deleted(deps.db, list(media_ids), upload_ttl_seconds=ttl)


async def delete_own_objects(deps: Deps, media_ids: Sequence[int]) -> None:
    """The originals and variants under these media's keys, except those a live rendition
    holds (the media is its source, and others still use it)."""
    held = await renditions.live_sources(deps.db, media_ids)
    own = [i for i in media_ids if i not in held]
    await deps.objects.delete([original_key(i) for i in own])
    for media_id in own:
        await deps.objects.delete_prefix(media_prefix(media_id))


async def delete_rendition_objects(deps: Deps, dead: Sequence[DeadRendition]) -> None:
    for rendition in dead:
        await deps.objects.delete([original_key(rendition.source_media_id)])
        await deps.objects.delete_prefix(media_prefix(rendition.source_media_id))


async def release_objects(deps: Deps, media_ids: Sequence[int]) -> list[DeadRendition]:
    """Delete the objects of these media that nobody else uses, before they stop using them
    (their rows deleted, or failed): their own keys, and renditions only they use.

    Those renditions are marked dead first, so no upload attaches to them meanwhile; they are
    returned for `renditions.forget` once the media rows no longer point at them (the
    periodic sweep finishes them should we crash before).
    """
    if not media_ids:
        return []
    async with deps.db.acquire() as conn, conn.transaction():
        dead = await renditions.retire(conn, media_ids)
    await delete_own_objects(deps, media_ids)
    await delete_rendition_objects(deps, dead)
    return dead


T = TypeVar("T")


async def release(deps: Deps, media_ids: Sequence[int], remove: Callable[[], Awaitable[T]]) -> T:
    """`release_objects`, then `remove()` (which deletes the media rows), then the dead
    renditions' rows. Objects first: a crash half-way leaves rows that the job finds again."""
    dead = await release_objects(deps, media_ids)
    result = await remove()
    await renditions.forget(deps.db, [r.id for r in dead])
    return result


async def sweep_keys(deps: Deps, media_ids: Sequence[int]) -> None:
    """Tombstoned media ids, once their upload URLs have expired: whatever an upload URL may
    have put back under their keys, except what a live media or rendition uses."""
    kept = await renditions.kept_originals(deps.db, media_ids)
    await deps.objects.delete([original_key(i) for i in media_ids if i not in kept])
    held = await renditions.live_sources(deps.db, media_ids)
    held |= await renditions.existing_media(deps.db, media_ids)
    for media_id in media_ids:
        if media_id not in held:
            await deps.objects.delete_prefix(media_prefix(media_id))


DEAD_GRACE_SECONDS = 600
DEAD_BATCH = 500


async def sweep_dead_renditions(deps: Deps) -> int:
    """Renditions that died without their objects being removed (a crash, a cascade)."""
    swept = 0
    while found := await renditions.dead(
        deps.db, older_than_seconds=DEAD_GRACE_SECONDS, limit=DEAD_BATCH
    ):
        held = await renditions.live_sources(deps.db, [r.source_media_id for r in found])
        await delete_rendition_objects(deps, [r for r in found if r.source_media_id not in held])
        await renditions.forget(deps.db, [r.id for r in found])
        swept += len(found)
        if len(found) < DEAD_BATCH:
            break
    if swept:
        logger.info("removed %d dead rendition(s)", swept)
    return swept
