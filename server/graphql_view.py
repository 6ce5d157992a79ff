"""Strawberry's ASGI view, wired to Snapfeed's context and auth."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import orjson
import strawberry
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from resolvers import accounts
from resolvers.deps import Deps
from schema.context import Context
from server import request_id
from server.request_errors import RequestError, internal_error
from server.ws_session import SessionBoundHandler, TextFrameAdapter

logger = logging.getLogger("snapfeed.errors")

CDN_PREFIX = "https://unpkg.com/"
VENDOR_PATH = "/static/vendor/"
STATIC_DIR = Path(__file__).resolve().parent / "static"

# connection_ack without a payload
_NOTHING: UnsetType = UNSET


class SnapfeedGraphQL(GraphQL[Context, None]):
    # Sockets that end with their session (server/ws_session.py).
    graphql_transport_ws_handler_class = SessionBoundHandler
    websocket_adapter_class = TextFrameAdapter

    def __init__(
        self,
        schema: strawberry.Schema,
        get_deps: Callable[[], Deps],
        *,
        allowed_origins: Sequence[str] = (),
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            allow_queries_via_get=True,
            multipart_uploads_enabled=True,
            allowed_origins=allowed_origins,
            # Not the legacy graphql-ws protocol: its sockets would not end with the session.
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        self._get_deps = get_deps

    @property
    def deps(self) -> Deps:
        return self._get_deps()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive=receive)
        # Whatever goes wrong before GraphQL runs is answered as JSON with a code, never as
        # a bare text or an HTML 500 (e.g. PostgreSQL down while a token is checked).
        try:
            response = await self.run(request)
        except RequestError as refused:
            response = refused.response()
        except HTTPException as refused:
            response = RequestError(refused.status_code, refused.reason).response()
        except Exception:
            logger.exception(
                "unexpected error before execution (request %s)", request_id.current.get()
            )
            response = internal_error()
        await response(scope, receive, send)

    def encode_json(self, data: object) -> bytes:
        # orjson: a feed page's response is encoded several times faster than by json.
        return orjson.dumps(data)

    def parse_json(self, data: str | bytes) -> Any:
        # json.loads also raises ValueError (an integer of over 4 300 digits, bad UTF-8) and
        # RecursionError (arrays nested thousands deep), not only JSONDecodeError.
        try:
            value = json.loads(data)
        except (ValueError, RecursionError):
            raise RequestError(400, "Unable to parse request body as JSON") from None
        if not isinstance(value, dict | list):
            raise RequestError(400, "Expected a JSON object")
        return value

    @cached_property
    def _ide_html(self) -> str:
        # Same files, same integrity hashes, served by Snapfeed: GraphiQL works offline.
        return self.graphql_ide_html.replace(CDN_PREFIX, VENDOR_PATH)

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(self._ide_html)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        context = Context(
            deps=self.deps,
            request_id=request_id.current.get(),
            client_ip=request.client.host if request.client else "unknown",
            request=request,
            response=response,
        )
        if isinstance(request, WebSocket):
            socket = request

            async def close_socket(code: int, reason: str) -> None:
                await socket.close(code=code, reason=reason)

            context.close_socket = close_socket
        if isinstance(request, Request):
            token = accounts.bearer_token(request.headers.get("authorization"))
            if token is not None:
                # An invalid or revoked token is treated as no token: the request is anonymous
                # and anything that needs a viewer answers UNAUTHENTICATED.
                context.sign_in(await accounts.authenticate(self.deps, token), token)
            if context.viewer_id is None and _is_multipart(request):
                # Only uploads are multipart, and they need a viewer: refuse before the body
                # is read, let alone spooled to disk.
                raise RequestError(401, "Sign in to upload", headers={"WWW-Authenticate": "Bearer"})
        return context

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, Any] | None:
        params = context.connection_params or {}
        raw = params.get("authorization") or params.get("Authorization")
        if raw is None:
            return _NOTHING
        token = accounts.bearer_token(raw) if isinstance(raw, str) else None
        owner = await accounts.authenticate(self.deps, token) if token else None
        if owner is None:
            raise ConnectionRejectionError({"code": "UNAUTHENTICATED"})
        context.sign_in(owner, token)
        return _NOTHING


def _is_multipart(request: Request) -> bool:
    content_type = request.headers.get("content-type", "")
    return content_type.split(";", 1)[0].strip().lower() == "multipart/form-data"
