"""Creating, uploading and deleting posts. Image work happens in the worker, never here."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

from resolvers import ratelimit
from resolvers.deps import Deps
from resolvers.errors import AppError, ErrorCode, bad_input, not_found
from resolvers.hashtags import parse_hashtags
from resolvers.media import check_uploaded, check_usable, upload_kind
from resolvers.media_edits import (
    HEADER_BYTES,
    Edit,
    EditInput,
    check_crop_fits,
    clean_edits,
    crop_bounds_problem,
    upright_size,
)
from resolvers.mentions import resolve as resolve_mentions
from resolvers.places import Place, clean_place, tag_post
from resolvers.post_access import visible_post
from storage import jobs, media, mentions, posts
from storage.media import EditRow, MediaRow
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
    edits: Sequence[EditInput] | None = None,
    place: Place | None = None,
) -> PostRow:
    """Record a PROCESSING post and queue its processing; returns at once.

    Retrying with the same idempotency key returns the first post, even when the retry
    races the original request. A place without a `location` gives it its name.
    """
    caption, location, idempotency_key = clean_post_input(
        media_ids, caption, location, idempotency_key
    )
    if place is not None:
        place = clean_place(place.name, place.latitude, place.longitude)
        location = location or place.name
    if existing := await _retried(deps, viewer_id, idempotency_key):
        return existing
    await ratelimit.check_queue(deps)
    await ratelimit.spend(deps, viewer_id, "post")
    try:
        post = await _insert_post(
            deps, viewer_id, media_ids, caption, location, idempotency_key, edits, place
        )
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
    edit_inputs: Sequence[EditInput] | None,
    place: Place | None,
) -> PostRow:
    found = {row.id: row for row in await media.by_ids(deps.db, media_ids)}
    check_usable(found, media_ids, viewer_id)
    edits = clean_edits(edit_inputs, media_ids, found)
    await check_uploaded(deps, [found[i] for i in media_ids], field="mediaIds")
    await _check_crops(deps, found, edits)
    mentioned = await resolve_mentions(deps, caption, viewer_id)  # told once it is published

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
        await media.attach(
            conn,
            post.id,
            media_ids,
            {i: EditRow(e.filter.lower(), e.crop) for i, e in edits.items() if not e.is_empty},
        )
        if place is not None:
            await tag_post(conn, post.id, place)
        await mentions.insert_for_post(conn, post.id, mentioned)
    return post


async def _check_crops(deps: Deps, rows: dict[int, MediaRow], edits: dict[int, Edit]) -> None:
    """Each crop against its photo's upright size, read from the first bytes of the upload
    (when they tell it: JPEG, PNG, WebP and HEIC do; the worker checks again in any case)."""
    cropped = [media_id for media_id, edit in edits.items() if edit.crop is not None]
    heads = await asyncio.gather(
        *(deps.objects.read_head(original_key(i), HEADER_BYTES) for i in cropped)
    )
    where = {media_id: index for index, media_id in enumerate(edits)}
    for media_id, head in zip(cropped, heads, strict=True):
        size = None if head is None else upright_size(head)
        check_crop_fits(edits[media_id], size, field=f"edits[{where[media_id]}].crop")


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
    location: str | None = None,
    edit: EditInput | None = None,
    place: Place | None = None,
) -> PostRow:
    """The one-request path: store the original, then the same pipeline as createPost.

    `edit` names media 0 (the id is not known yet); it is checked before anything is stored.
    """
    content_type = content_type.strip().lower()
    size = (await asyncio.to_thread(path.stat)).st_size
    kind = upload_kind(content_type, size, deps.settings)
    clean_post_input([0], caption, location, None)
    if place is not None:
        clean_place(place.name, place.latitude, place.longitude)
    edits = [edit] if edit is not None and not Edit(edit.filter, edit.crop).is_empty else []
    if edits:
        _check_upload_edit(edits[0], kind, await asyncio.to_thread(_read_head, path))
    # The same bucket as createUpload (create_post below spends the post one).
    await ratelimit.check_queue(deps)
    await ratelimit.spend(deps, viewer_id, "upload")
    row = await media.insert_pending(
        deps.db, owner_id=viewer_id, kind=kind, content_type=content_type, byte_size=size
    )
    await deps.objects.put_file(original_key(row.id), path, content_type=content_type)
    return await create_post(
        deps,
        viewer_id,
        media_ids=[row.id],
        caption=caption,
        location=location,
        idempotency_key=None,
        edits=[EditInput(row.id, e.filter, e.crop) for e in edits],
        place=place,
    )


def _read_head(path: Path) -> bytes:
    with path.open("rb") as source:
        return source.read(HEADER_BYTES)


def _check_upload_edit(edit: EditInput, kind: str, head: bytes) -> None:
    """uploadPost's filter and crop, named as its arguments."""
    if kind != "photo":
        field = "filter" if edit.crop is None else "crop"
        raise bad_input("Only photos take a filter or a crop", field=field)
    if edit.crop is not None:
        if problem := crop_bounds_problem(edit.crop):
            raise bad_input(f"Invalid crop: {problem}", field="crop")
        check_crop_fits(Edit(edit.filter, edit.crop), upright_size(head), field="crop")


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
