"""Strawberry's ASGI view, wired to Snapfeed's context and auth, answering as the
GraphQL-over-HTTP spec says (server/graphql_http.py) and running persisted documents."""

from __future__ import annotations

import contextvars
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import orjson
import strawberry
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.http.base import BaseRequestProtocol
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType

from resolvers import accounts
from resolvers.deps import Deps
from resolvers.errors import AppError
from schema.context import Context
from server import cors, graphql_http, request_id
from server.request_errors import RequestError, internal_error_body
from server.ws_session import SessionBoundHandler, TextFrameAdapter

logger = logging.getLogger("snapfeed.errors")
# Requests that ended without anything wrong on this side.
requests_logger = logging.getLogger("snapfeed.requests")

CDN_PREFIX = "https://unpkg.com/"
VENDOR_PATH = "/static/vendor/"
STATIC_DIR = Path(__file__).resolve().parent / "static"

# connection_ack without a payload
_NOTHING: UnsetType = UNSET


@dataclass(frozen=True)
class Exchange:
    """What the answer to this HTTP request depends on besides its body."""

    media_type: str
    method: str
    signed_in: bool  # carries a token: nothing in the answer is for anyone else


# Set for each HTTP request by the view (a plain, private answer when unset).
_UNSET_EXCHANGE = Exchange(graphql_http.JSON, "POST", signed_in=True)
_exchange: contextvars.ContextVar[Exchange | None] = contextvars.ContextVar(
    "graphql_exchange", default=None
)


def current_exchange() -> Exchange:
    return _exchange.get() or _UNSET_EXCHANGE


class SnapfeedGraphQL(GraphQL[Context, None]):
    # Sockets that end with their session (server/ws_session.py).
    graphql_transport_ws_handler_class = SessionBoundHandler
    websocket_adapter_class = TextFrameAdapter

    def __init__(
        self,
        schema: strawberry.Schema,
        get_deps: Callable[[], Deps],
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            allow_queries_via_get=True,
            multipart_uploads_enabled=True,
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
        exchange = Exchange(
            media_type=graphql_http.negotiate(request.headers.get("accept")),
            method=request.method,
            signed_in="authorization" in request.headers,
        )
        reset = _exchange.set(exchange)
        # Whatever goes wrong before GraphQL runs is answered as JSON with a code, never as
        # a bare text or an HTML 500 (e.g. PostgreSQL down while a token is checked).
        try:
            response = await self.run(request)
        except RequestError as refused:
            response = self.answer(refused.status, refused.body(), refused.headers)
        except ClientDisconnect:
            # The client went away while its request was being read (a closed tab, a load
            # generator stopping): nobody to answer, and nothing went wrong here.
            requests_logger.debug(
                "client disconnected before its request was read (request %s)",
                request_id.current.get(),
            )
            return
        except HTTPException as refused:
            # Strawberry's refusals of a malformed request; a body it cannot read is 415.
            status = 415 if refused.reason == "Unsupported content type" else refused.status_code
            allow = {"Allow": "GET, POST"} if status == 405 else None
            response = self.answer(status, RequestError(status, refused.reason).body(), allow)
        except Exception:
            logger.exception(
                "unexpected error before execution (request %s)", request_id.current.get()
            )
            response = self.answer(500, internal_error_body())
        finally:
            _exchange.reset(reset)
        await response(scope, receive, send)

    def answer(
        self, status: int, body: object, headers: Mapping[str, str] | None = None
    ) -> Response:
        """Every JSON answer of the view: encoded by `encode_json`, in the negotiated type."""
        media_type = graphql_http.content_type(current_exchange().media_type)
        return Response(
            self.encode_json(body), status_code=status, media_type=media_type, headers=headers
        )

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        exchange = current_exchange()
        body: Mapping[str, Any] = response_data if isinstance(response_data, Mapping) else {}
        status = sub_response.status_code or graphql_http.status_for(body, exchange.media_type)
        response = self.answer(status, response_data)
        response.headers.raw.extend(sub_response.headers.raw)
        if sub_response.background:
            response.background = sub_response.background
        cache_control = graphql_http.cache_control(
            method=exchange.method,
            signed_in=exchange.signed_in,
            body=body,
            public_seconds=self.deps.settings.public_cache_seconds,
        )
        if cache_control is not None:
            response.headers["Cache-Control"] = cache_control
            response.headers["Vary"] = "Accept, Authorization"
        return response

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        body = process_result(result)
        if graphql_http.is_request_error(body):
            # Nothing was executed: no `data` entry at all (GraphQL spec, "Response").
            body.pop("data", None)
        return body

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # A browser opening /graphql; a GET carrying a persisted query hash runs it.
        params = request.query_params
        return (
            request.method == "GET"
            and params.get("query") is None
            and params.get("extensions") is None
            and "text/html" in request.headers.get("accept", "")
        )

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        if not isinstance(request_data.operation_name, str | None):
            raise RequestError(400, "`operationName` must be a string or null, if provided")
        deps = self.deps
        try:
            resolved = await deps.documents.resolve(
                deps, request_data.query, request_data.extensions
            )
        except AppError as refused:
            error = GraphQLError(refused.message, extensions={"code": refused.code.value})
            return ExecutionResult(data=None, errors=[error])
        query = request_data.query if resolved is None else resolved.query
        allowed = OperationType.from_http(request_adapter.method)
        try:
            result = await self.schema.execute(
                query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except InvalidOperationTypeError as refused:
            # GraphQL over HTTP: a mutation sent with GET is 405, and says what would do.
            raise RequestError(
                405, refused.as_http_error_reason(request_adapter.method), headers={"Allow": "POST"}
            ) from None
        except CannotGetOperationTypeError as refused:
            error = GraphQLError(
                refused.as_http_error_reason(), extensions={"code": "BAD_USER_INPUT"}
            )
            return ExecutionResult(data=None, errors=[error])
        except MissingQueryError:
            raise RequestError(400, "No GraphQL query found in the request") from None
        if (
            resolved is not None
            and resolved.remember_as is not None
            and not (
                result.data is None and result.errors and all(e.path is None for e in result.errors)
            )
        ):
            await deps.documents.remember(deps, resolved.remember_as, resolved.query)
        return result

    def is_websocket_origin_allowed(self, request: WebSocket, origin: str) -> bool:
        # The same list, and the same patterns, as CORS for HTTP (the settings of the moment).
        return cors.origin_allowed(origin, self.deps.settings.allowed_origins)

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
