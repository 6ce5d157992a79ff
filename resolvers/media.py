"""Direct uploads: a media row plus a URL the client PUTs the bytes to."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from resolvers import ratelimit
from resolvers.deps import Deps
from resolvers.errors import AppError, ErrorCode, bad_input, not_found
from storage import media, stories
from storage.media import MediaRow
from storage.objects.base import UploadTarget, original_key, original_media_id
from storage.objects.signed_urls import InvalidUpload, UploadGrant
from storage.settings import Settings

PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"})
VIDEO_TYPES = frozenset({"video/mp4", "video/quicktime"})


@dataclass(frozen=True)
class Ticket:
    media: MediaRow
    target: UploadTarget


def upload_kind(content_type: str, byte_size: int, settings: Settings) -> str:
    """'photo' or 'video' for an allowed upload; BAD_USER_INPUT or PAYLOAD_TOO_LARGE otherwise."""
    content_type = content_type.strip().lower()
    if content_type in PHOTO_TYPES:
        kind, limit = "photo", settings.max_upload_bytes
    elif content_type in VIDEO_TYPES:
        kind, limit = "video", settings.max_video_bytes
    else:
        allowed = ", ".join(sorted(PHOTO_TYPES | VIDEO_TYPES))
        raise bad_input(f"Unsupported content type; use one of {allowed}", field="contentType")
    if byte_size <= 0:
        raise bad_input("byteSize must be positive", field="byteSize")
    if byte_size > limit:
        raise AppError(
            ErrorCode.PAYLOAD_TOO_LARGE,
            f"A {kind} may be at most {limit} bytes",
            field="byteSize",
            maxBytes=limit,
        )
    return kind


async def create_upload(deps: Deps, viewer_id: int, *, content_type: str, byte_size: int) -> Ticket:
    content_type = content_type.strip().lower()
    kind = upload_kind(content_type, byte_size, deps.settings)
    await ratelimit.check_queue(deps)
    await ratelimit.spend(deps, viewer_id, "upload")
    row = await media.insert_pending(
        deps.db, owner_id=viewer_id, kind=kind, content_type=content_type, byte_size=byte_size
    )
    target = await deps.objects.presign_upload(
        original_key(row.id),
        content_type=content_type,
        byte_size=byte_size,
        expires_in=deps.settings.upload_url_ttl_seconds,
    )
    return Ticket(row, target)


async def check_upload_open(deps: Deps, grant: UploadGrant) -> None:
    """Upload URLs are single use: refuse one whose media is already used, processed or gone.

    (The store itself refuses a second PUT once the original exists.)
    """
    media_id = original_media_id(grant.key)
    found = await media.by_ids(deps.db, [media_id]) if media_id is not None else []
    if not found:
        raise InvalidUpload("this upload no longer exists", status=410)
    if found[0].post_id is not None or found[0].status != "pending":
        raise InvalidUpload("this media is already in use", status=409)


def check_usable(rows: dict[int, MediaRow], media_ids: list[int], viewer_id: int) -> None:
    """Each media exists, is the viewer's, and is in no post or story yet.

    Someone else's media is NOT_FOUND, like a missing one: an answer of its own would tell
    that the id exists (a private account's upload, say)."""
    for media_id in media_ids:
        row = rows.get(media_id)
        if row is None or row.owner_id != viewer_id:
            raise not_found("Media")
        if row.post_id is not None or row.status != "pending":
            raise AppError(ErrorCode.CONFLICT, "This media is already part of a post or a story")


async def check_uploaded(deps: Deps, rows: list[MediaRow], *, field: str) -> None:
    """Their bytes were PUT to the upload URL, and not more than declared."""
    infos = await asyncio.gather(*(deps.objects.head(original_key(r.id)) for r in rows))
    for row, info in zip(rows, infos, strict=True):
        if info is None:
            raise bad_input("Upload the media before using it", field=field)
        if info.size > row.byte_size:
            raise AppError(ErrorCode.PAYLOAD_TOO_LARGE, "The upload is larger than declared")


@dataclass(frozen=True)
class VariantView:
    size: str
    url: str
    width: int
    height: int
    content_type: str


def variant_views(public_url: Callable[[str], str], row: MediaRow) -> list[VariantView]:
    """Public URLs of a media's variants; none until it is READY."""
    if row.status != "ready":
        return []
    return [
        VariantView(v.size, public_url(v.key), v.width, v.height, v.content_type)
        for v in row.variants
    ]


def variant_url(public_url: Callable[[str], str], row: MediaRow, size: str) -> str | None:
    """The public URL of one variant (None until READY): a page asks this once per item."""
    if row.status != "ready":
        return None
    for v in row.variants:
        if v.size == size:
            return public_url(v.key)
    return None


async def story_of(deps: Deps, media_id: int) -> int | None:
    return await stories.id_for_media(deps.db, media_id)


def video_url(public_url: Callable[[str], str], row: MediaRow) -> str | None:
    if row.status != "ready" or row.video_key is None:
        return None
    return public_url(row.video_key)
