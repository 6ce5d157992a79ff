"""The local-disk media backend over HTTP: signed upload PUTs and immutable variant GETs."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import time
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from resolvers.deps import Deps
from resolvers.media import check_upload_open
from storage.objects.base import IMMUTABLE_CACHE_CONTROL
from storage.objects.local import LocalObjectStore
from storage.objects.signed_urls import InvalidUpload
from storage.unavailable import UNAVAILABLE

logger = logging.getLogger("snapfeed.media_routes")

# What variants are, by file name: anything else under media/ is never served, and a file
# is served only with the type it was written with, which must be its name's.
VARIANT_TYPES = {
    ".webp": "image/webp",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".mp4": "video/mp4",
}
# A variant opened as a page (not as an image or a video) runs nothing and loads nothing.
MEDIA_CSP = "default-src 'none'; sandbox"


def served_type(key: str, written_type: str | None) -> str | None:
    """The Content-Type a media object is served with; None: not served at all."""
    dot = key.rfind(".")
    expected = VARIANT_TYPES.get(key[dot:].lower()) if dot > key.rfind("/") else None
    if expected is None or (written_type or expected).lower() != expected:
        return None
    return expected


def media_routes(get_deps: Callable[[], Deps]) -> list[Route]:
    def local_store() -> LocalObjectStore | None:
        store = get_deps().objects
        return store if isinstance(store, LocalObjectStore) else None

    async def upload(request: Request) -> Response:
        store = local_store()
        if store is None:
            return PlainTextResponse("Not found", status_code=404)
        try:
            await store.receive_upload(
                request.path_params["token"],
                request.headers.get("content-type"),
                request.stream(),
                now=int(time.time()),
                accept=functools.partial(check_upload_open, get_deps()),
            )
        except InvalidUpload as refused:
            return PlainTextResponse(refused.reason, status_code=refused.status)
        except UNAVAILABLE as exc:
            # As S3 answers when it cannot take a PUT now: the URL stays good, so retry it.
            logger.warning("upload refused: a dependency is unavailable (%r)", exc)
            return PlainTextResponse(
                "temporarily unavailable; retry this upload",
                status_code=503,
                headers={"Retry-After": "1"},
            )
        return Response(status_code=200)

    async def serve(request: Request) -> Response:
        store = local_store()
        if store is None:
            return PlainTextResponse("Not found", status_code=404)
        key = "media/" + request.path_params["path"]
        try:
            info = await store.head(key)
        except ValueError:
            info = None
        media_type = None if info is None else served_type(key, info.content_type)
        if media_type is None:
            return PlainTextResponse("Not found", status_code=404)
        path = store.file_path(key)
        stat = await asyncio.to_thread(os.stat, path)
        response = FileResponse(
            path,
            media_type=media_type,
            headers={
                "Cache-Control": IMMUTABLE_CACHE_CONTROL,
                "Content-Security-Policy": MEDIA_CSP,
            },
            stat_result=stat,
        )
        if request.headers.get("if-none-match") == response.headers["etag"]:
            return Response(
                status_code=304,
                headers={
                    "ETag": response.headers["etag"],
                    "Cache-Control": IMMUTABLE_CACHE_CONTROL,
                },
            )
        return response

    return [
        Route("/uploads/{token}", upload, methods=["PUT"]),
        Route("/media/{path:path}", serve, methods=["GET", "HEAD"]),
    ]
