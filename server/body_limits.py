"""Request body limits, enforced before and while a body is read.

A declared `Content-Length` above the limit is refused at once, unread; a body without one
(chunked) is counted as it arrives and refused when it passes the limit, so neither a JSON
body nor an upload can grow memory or disk beyond what the settings allow.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.request_errors import RequestError, send_error
from storage.settings import Settings

# Signed upload URLs check the size the upload was signed for themselves.
_OWN_LIMITS = ("/uploads/",)


class BodyTooLarge(RequestError):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Request body is larger than {limit} bytes")


def body_limit(settings: Settings, content_type: str) -> int:
    """JSON and forms: max_request_bytes; a multipart upload may add the largest file."""
    if content_type.split(";", 1)[0].strip().lower() == "multipart/form-data":
        return max(settings.max_upload_bytes, settings.max_video_bytes) + settings.max_request_bytes
    return settings.max_request_bytes


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, settings: Callable[[], Settings]) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith(_OWN_LIMITS):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        limit = body_limit(self.settings(), headers.get(b"content-type", b"").decode("latin-1"))
        declared = headers.get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await send_error(send, RequestError(400, "Invalid Content-Length"))
                return
            if len(declared) > 18 or int(declared) > limit:
                await send_error(send, BodyTooLarge(limit))
                return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLarge as refused:
            if started:
                raise
            await send_error(send, refused)
