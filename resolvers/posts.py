"""Creating, uploading and deleting posts. Image work happens in the worker, never here."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from resolvers import ratelimit
from resolvers.deps import Deps
from resolvers.errors import AppError, ErrorCode, bad_input, not_found
from resolvers.hashtags import parse_hashtags
from resolvers.media import check_uploaded, check_usable, upload_kind
from resolvers.post_access import visible_post
from storage import jobs, media, posts
from storage.objects.base import original_key
from storage.posts import PostRow

logger = logging.getLogger("snapfeed.posts")

MAX_MEDIA = 10
CAPTION_MAX = 2200
LOCATION_MAX = 200
IDEMPOTENCY_KEY_MAX = 128


def clean_post_input(
    media_ids: list[int], caption: str | None, location: str | None, key: str | None
) -> tuple[str | None, str | None, str | None]:
    if not 1 <= len(media_ids) <= MAX_MEDIA:
        raise bad_input(f"A post has 1 to {MAX_MEDIA} media", field="mediaIds")
    if len(set(media_ids)) != len(media_ids):
        raise bad_input("The same media appears twice", field="mediaIds")
    caption = caption.strip() if caption else None
    if caption and len(caption) > CAPTION_MAX:
        raise bad_input(f"Caption must be at most {CAPTION_MAX} characters", field="caption")
    location = " ".join(location.split()) if location else None
    if location and len(location) > LOCATION_MAX:
        raise bad_input(f"Location must be at most {LOCATION_MAX} characters", field="location")
    if key is not None and not 1 <= len(key) <= IDEMPOTENCY_KEY_MAX:
        raise bad_input(
            f"idempotencyKey must be 1 to {IDEMPOTENCY_KEY_MAX} characters", field="idempotencyKey"
        )
    return caption or None, location or None, key


async def create_post(
    deps: Deps,
    viewer_id: int,
    *,
    media_ids: list[int],
    caption: str | None,
    location: str | None,
    idempotency_key: str | None,
) -> PostRow:
    """Record a PROCESSING post and queue its processing; returns at once.

    Retrying with the same idempotency key returns the first post, even when the retry
    races the original request.
    """
    caption, location, idempotency_key = clean_post_input(
        media_ids, caption, location, idempotency_key
    )
    if existing := await _retried(deps, viewer_id, idempotency_key):
        return existing
    await ratelimit.spend(deps, viewer_id, "post")
    try:
        post = await _insert_post(deps, viewer_id, media_ids, caption, location, idempotency_key)
    except AppError as exc:
        # A retry racing the original loses on the media or the key: answer the original.
        if exc.code is ErrorCode.CONFLICT and (
            existing := await _retried(deps, viewer_id, idempotency_key)
        ):
            return existing
        raise
    await _enqueue_processing(deps, post.id)
    return post


async def _retried(deps: Deps, viewer_id: int, idempotency_key: str | None) -> PostRow | None:
    """The post this idempotency key already created, if any."""
    if idempotency_key is None:
        return None
    return await posts.by_idempotency_key(deps.db, viewer_id, idempotency_key)


async def _insert_post(
    deps: Deps,
    viewer_id: int,
    media_ids: list[int],
    caption: str | None,
    location: str | None,
    idempotency_key: str | None,
) -> PostRow:
    found = {row.id: row for row in await media.by_ids(deps.db, media_ids)}
    check_usable(found, media_ids, viewer_id)
    await check_uploaded(deps, [found[i] for i in media_ids], field="mediaIds")

    async with deps.db.acquire() as conn, conn.transaction():
        # Re-checked under lock: two posts racing for the same media cannot both win.
        check_usable({r.id: r for r in await media.lock(conn, media_ids)}, media_ids, viewer_id)
        post = await posts.insert(
            conn,
            author_id=viewer_id,
            caption=caption,
            location=location,
            hashtags=parse_hashtags(caption),
            idempotency_key=idempotency_key,
        )
        if post is None:
            raise AppError(ErrorCode.CONFLICT, "This idempotencyKey was used for another post")
        await media.attach(conn, post.id, media_ids)
    return post


async def _enqueue_processing(deps: Deps, post_id: int) -> None:
    try:
        await jobs.enqueue(deps.jobs, jobs.PROCESS_POST, post_id, job_id=jobs.post_job_id(post_id))
    except Exception:
        # The post is safely stored; the reconciler re-queues posts stuck in PROCESSING.
        logger.exception("could not queue processing of post %s", post_id)


async def upload_post(
    deps: Deps,
    viewer_id: int,
    *,
    path: Path,
    content_type: str,
    caption: str | None,
) -> PostRow:
    """The one-request path: store the original, then the same pipeline as createPost."""
    content_type = content_type.strip().lower()
    size = (await asyncio.to_thread(path.stat)).st_size
    kind = upload_kind(content_type, size, deps.settings)
    clean_post_input([0], caption, None, None)
    # The same bucket as createUpload (create_post below spends the post one).
    await ratelimit.spend(deps, viewer_id, "upload")
    row = await media.insert_pending(
        deps.db, owner_id=viewer_id, kind=kind, content_type=content_type, byte_size=size
    )
    await deps.objects.put_file(original_key(row.id), path, content_type=content_type)
    return await create_post(
        deps, viewer_id, media_ids=[row.id], caption=caption, location=None, idempotency_key=None
    )


async def delete_post(deps: Deps, viewer_id: int, post_id: int) -> bool:
    author_id = await posts.author_of(deps.db, post_id)
    if author_id is None:
        raise not_found("Post")
    if author_id != viewer_id:
        # FORBIDDEN only tells what the viewer may already see; a hidden post is NOT_FOUND.
        await visible_post(deps, viewer_id, post_id)
        raise AppError(ErrorCode.FORBIDDEN, "Only the author can delete a post")
    async with deps.db.acquire() as conn, conn.transaction():
        if await posts.soft_delete(conn, post_id) is None:
            raise not_found("Post")
    try:
        await jobs.enqueue(deps.jobs, jobs.DELETE_POST_MEDIA, post_id)
        await jobs.enqueue(deps.jobs, jobs.REMOVE_POST_FROM_FEEDS, post_id, author_id)
    except Exception:
        # Reads already skip deleted posts; only the clean-up is late.
        logger.exception("could not queue the clean-up of post %s", post_id)
    return True
