from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO, cast

import strawberry
from starlette.datastructures import UploadFile
from strawberry.file_uploads import Upload

from resolvers import media, posts
from resolvers.errors import bad_input, not_found
from resolvers.media_edits import EditInput
from schema import global_id
from schema.info import Info
from schema.types.create_post_input import CreatePostInput
from schema.types.create_upload_input import CreateUploadInput
from schema.types.crop_input import CropInput
from schema.types.http_header import HttpHeader
from schema.types.media import Media
from schema.types.media_edit_input import MediaEditInput
from schema.types.photo_filter import PhotoFilter
from schema.types.place_input import PlaceInput
from schema.types.post import Post
from schema.types.upload_ticket import UploadTicket


def _spool_to_disk(source: BinaryIO, target: Path) -> None:
    source.seek(0)
    with target.open("wb") as out:
        shutil.copyfileobj(source, out, length=1 << 20)


def _edit(media_id: int, filter: PhotoFilter | None, crop: CropInput | None) -> EditInput:
    return EditInput(
        media_id,
        (filter or PhotoFilter.NONE).value,
        None if crop is None else (crop.x, crop.y, crop.width, crop.height),
    )


def _edits(inputs: list[MediaEditInput] | None) -> list[EditInput] | None:
    if inputs is None:
        return None
    if len(inputs) > posts.MAX_MEDIA:
        raise bad_input(f"At most {posts.MAX_MEDIA} edits, one per media", field="edits")
    return [
        _edit(
            global_id.decode_as(e.media_id, "Media", field=f"edits[{i}].mediaId"), e.filter, e.crop
        )
        for i, e in enumerate(inputs)
    ]


async def _own_post(info: Info, post_id: int) -> Post:
    post = await Post.fresh(info, post_id)
    if post is None:  # deleted by a concurrent request of the same author
        raise not_found("Post")
    return post


@strawberry.type
class PostMutations:
    @strawberry.mutation(description="A media id and a URL to PUT the bytes to.")
    async def create_upload(self, info: Info, input: CreateUploadInput) -> UploadTicket:
        ctx = info.context
        ticket = await media.create_upload(
            ctx.deps,
            ctx.require_viewer(),
            content_type=input.content_type,
            byte_size=input.byte_size,
        )
        return UploadTicket(
            media=Media.from_row(ticket.media, ctx),
            upload_url=ticket.target.url,
            upload_headers=[HttpHeader(name=k, value=v) for k, v in ticket.target.headers.items()],
            expires_at=ticket.target.expires_at,
        )

    @strawberry.mutation(description="Returns at once with status PROCESSING.")
    async def create_post(self, info: Info, input: CreatePostInput) -> Post:
        ctx = info.context
        viewer_id = ctx.require_viewer()
        media_ids = [global_id.decode_as(i, "Media", field="mediaIds") for i in input.media_ids]
        row = await posts.create_post(
            ctx.deps,
            viewer_id,
            media_ids=media_ids,
            caption=input.caption,
            location=input.location,
            idempotency_key=input.idempotency_key,
            edits=_edits(input.edits),
            place=None if input.place is None else input.place.to_place(),
        )
        return await _own_post(info, row.id)

    @strawberry.mutation(
        description="One-request upload for simple clients (multipart): one photo or video,"
        " with what createPost takes for it."
    )
    async def upload_post(
        self,
        info: Info,
        file: Upload,
        caption: str | None = None,
        location: str | None = None,
        place: PlaceInput | None = None,
        filter: PhotoFilter | None = PhotoFilter.NONE,
        crop: CropInput | None = None,
    ) -> Post:
        ctx = info.context
        viewer_id = ctx.require_viewer()
        upload = cast(UploadFile, file)  # what Strawberry's ASGI view hands over
        with tempfile.TemporaryDirectory(prefix="snapfeed-upload-") as tmp:
            path = Path(tmp) / "original"
            try:
                await asyncio.to_thread(_spool_to_disk, upload.file, path)
            finally:
                await upload.close()  # the request's spooled temp file
            row = await posts.upload_post(
                ctx.deps,
                viewer_id,
                path=path,
                content_type=upload.content_type or "application/octet-stream",
                caption=caption,
                location=location,
                edit=_edit(0, filter, crop),
                place=None if place is None else place.to_place(),
            )
        return await _own_post(info, row.id)

    @strawberry.mutation
    async def delete_post(self, info: Info, id: strawberry.ID) -> bool:
        ctx = info.context
        viewer_id = ctx.require_viewer()
        return await posts.delete_post(
            ctx.deps, viewer_id, global_id.decode_as(id, "Post", field="id")
        )
