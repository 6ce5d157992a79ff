"""The local-disk media backend over HTTP: signed upload PUTs and immutable variant GETs."""

from __future__ import annotations

import asyncio
import functools
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
        if info is None:
            return PlainTextResponse("Not found", status_code=404)
        path = store.file_path(key)
        stat = await asyncio.to_thread(os.stat, path)
        response = FileResponse(
            path,
            media_type=info.content_type,
            headers={"Cache-Control": IMMUTABLE_CACHE_CONTROL},
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
