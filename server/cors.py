"""CORS for web apps on other origins, from the same list that guards WebSockets.

`SNAPFEED_ALLOWED_ORIGINS` lists origins (`https://app.example`), origins with any port
(`http://localhost:*`), or `*`. An allowed origin may call the API with `Authorization` and
`Content-Type` and read `X-Request-ID`; the preflight of any other origin is refused (403)
and its requests get no CORS headers, so the browser keeps their answers from the page.
Snapfeed authenticates with bearer tokens only, never cookies: no credentials mode.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from resolvers.errors import ErrorCode
from server.request_errors import RequestError, send_error
from storage.settings import Settings

ALLOWED_METHODS = "GET, POST, PUT, HEAD, OPTIONS"
ALLOWED_HEADERS = (
    "authorization",
    "content-type",
    "x-request-id",
    "if-none-match",  # part of an upload URL's headers on S3
    # Sent by Apollo Client when configured to (client awareness, CSRF prevention).
    "apollographql-client-name",
    "apollographql-client-version",
    "apollo-require-preflight",
    "x-apollo-operation-name",
)
EXPOSED_HEADERS = "X-Request-ID, Retry-After"
PREFLIGHT_MAX_AGE = "600"
# The API, local uploads (a web app PUTs the bytes itself) and local media (fetch, canvas).
PATHS = ("/graphql", "/uploads/", "/media/")


def normalize(origin: str) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) of an origin, port None for `:*`; None if it is not one."""
    if origin.endswith(":*"):
        parts = normalize(origin[:-2])
        return None if parts is None else (parts[0], parts[1], None)
    try:
        url = urlsplit(origin)
        port = url.port
    except ValueError:
        return None
    if url.scheme not in ("http", "https") or not url.hostname or url.path not in ("", "/"):
        return None
    if url.query or url.fragment or url.username or url.password:
        return None
    default = 443 if url.scheme == "https" else 80
    return url.scheme, url.hostname.lower(), port or default


def origin_allowed(origin: str, allowed: Sequence[str]) -> bool:
    """Whether a browser page on `origin` may call the API (`null` never may)."""
    if "*" in allowed:
        return normalize(origin) is not None
    parts = normalize(origin)
    if parts is None or parts[2] is None:
        return False
    for pattern in allowed:
        wanted = normalize(pattern)
        if wanted is None:
            continue
        if wanted[:2] == parts[:2] and wanted[2] in (None, parts[2]):
            return True
    return False


def invalid_patterns(allowed: Sequence[str]) -> list[str]:
    return [p for p in allowed if p != "*" and normalize(p) is None]


def _cors_headers(origin: str) -> list[tuple[bytes, bytes]]:
    return [
        (b"access-control-allow-origin", origin.encode("latin-1")),
        (b"access-control-expose-headers", EXPOSED_HEADERS.encode()),
    ]


class CORSMiddleware:
    def __init__(self, app: ASGIApp, settings: Callable[[], Settings]) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or not path.startswith(PATHS):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        origin = headers.get(b"origin", b"").decode("latin-1")
        preflight = scope["method"] == "OPTIONS" and b"access-control-request-method" in headers
        if preflight:
            await self._preflight(origin, headers, send)
            return
        allowed = bool(origin) and origin_allowed(origin, self.settings().allowed_origins)

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"vary", b"Origin")]
                if allowed:
                    extra += _cors_headers(origin)
                message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _preflight(self, origin: str, headers: dict[bytes, bytes], send: Send) -> None:
        requested_method = headers.get(b"access-control-request-method", b"").decode("latin-1")
        requested_headers = [
            h.strip().lower()
            for h in headers.get(b"access-control-request-headers", b"")
            .decode("latin-1")
            .split(",")
            if h.strip()
        ]
        if not origin or not origin_allowed(origin, self.settings().allowed_origins):
            await send_error(
                send, RequestError(403, "This origin may not call Snapfeed", ErrorCode.FORBIDDEN)
            )
            return
        if requested_method.upper() not in ALLOWED_METHODS.split(", ") or any(
            h not in ALLOWED_HEADERS for h in requested_headers
        ):
            await send_error(
                send,
                RequestError(
                    403,
                    f"Allowed: methods {ALLOWED_METHODS}; headers {', '.join(ALLOWED_HEADERS)}",
                    ErrorCode.FORBIDDEN,
                ),
            )
            return
        response_headers = [
            *_cors_headers(origin),
            (b"access-control-allow-methods", ALLOWED_METHODS.encode()),
            (b"access-control-allow-headers", ", ".join(ALLOWED_HEADERS).encode()),
            (b"access-control-max-age", PREFLIGHT_MAX_AGE.encode()),
            (b"vary", b"Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
            (b"content-length", b"0"),
        ]
        await send({"type": "http.response.start", "status": 204, "headers": response_headers})
        await send({"type": "http.response.body", "body": b""})
