"""graphql-transport-ws sockets that act for their viewer only while the viewer's token lives.

A socket signs in once, in `connection_init`. From then on it watches that token: a logout on
any API process (published on the token's channel) or the token's expiry closes the socket
with 4401, and the context is signed out first so that nothing in flight acts for the viewer
any more. Every operation the socket sends is checked against the database as well, the way
each HTTP request is, so nothing runs in the moment between a logout and the close.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping

from graphql import GraphQLFormattedError
from starlette.websockets import WebSocketDisconnect
from starlette.websockets import WebSocketDisconnected as StarletteSocketClosed
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    ErrorMessage,
    Message,
    SubscribeMessage,
)

from resolvers import accounts, live
from resolvers.errors import AppError
from schema.context import Context

logger = logging.getLogger("snapfeed.ws")

# graphql-transport-ws: the server closes with 4401 when the client is not (or no longer)
# authorised; 1011 is an unexpected condition on the server.
UNAUTHORIZED = 4401
INTERNAL = 1011
SESSION_ENDED = "This session has ended"


class TextFrameAdapter(ASGIWebSocketAdapter):
    """Messages go out as text frames whatever the view's JSON encoder returns (orjson gives
    bytes, and graphql-ws clients and browsers expect text). A send on a socket that is
    already closing raises Strawberry's disconnect, which the handler treats as such."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        encoded = self.view.encode_json(message)
        text = encoded.decode() if isinstance(encoded, bytes) else encoded
        try:
            await self.ws.send_text(text)
        except (WebSocketDisconnect, StarletteSocketClosed) as exc:
            raise WebSocketDisconnected from exc


class SessionBoundHandler(BaseGraphQLTransportWSHandler[Context, None]):
    _watcher: asyncio.Task[None] | None = None
    _closing = False

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        ctx = self.context
        signed_in = ctx.token is not None and ctx.token_expires_at is not None
        if self.connection_acknowledged and signed_in and self._watcher is None:
            self._watcher = asyncio.create_task(self._watch(), name="ws-session")

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self.connection_acknowledged:
            try:
                alive = await self._still_signed_in()
            except Exception:
                logger.exception("could not check a socket's session")
                await self._close(INTERNAL, "Try again")
                return
            if not alive:
                await self._end(SESSION_ENDED)
                return
            resolved = await self._resolve_document(message)
            if resolved is None:
                return
            message = resolved
        await super().handle_subscribe(message)

    async def _resolve_document(self, message: SubscribeMessage) -> SubscribeMessage | None:
        """Persisted queries and trusted documents, as over HTTP (a socket only runs what is
        known: it registers nothing). None when refused, with an `error` sent."""
        payload = message.get("payload")
        if not isinstance(payload, dict):
            return message  # Strawberry refuses it
        deps = self.context.deps
        try:
            resolved = await deps.documents.resolve(
                deps, payload.get("query"), payload.get("extensions")
            )
        except AppError as refused:
            error: GraphQLFormattedError = {
                "message": refused.message,
                "extensions": {"code": refused.code.value},
            }
            await self.send_message(ErrorMessage(id=message["id"], type="error", payload=[error]))
            return None
        if resolved is None:
            return message
        return SubscribeMessage(
            id=message["id"], type="subscribe", payload={**payload, "query": resolved.query}
        )

    async def send_message(self, message: Message) -> None:
        # Once the socket is closing (session ended, client gone), an operation finishing
        # or an update arriving has nobody to tell: that is not an error.
        if self._closing:
            return
        try:
            await super().send_message(message)
        except WebSocketDisconnected:
            self._closing = True

    async def shutdown(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        await super().shutdown()

    async def _still_signed_in(self) -> bool:
        ctx = self.context
        if ctx.signed_out:
            return False
        if ctx.token is None:  # an anonymous socket stays anonymous
            return True
        owner = await accounts.authenticate(ctx.deps, ctx.token, fresh=True)
        return owner is not None and owner.user_id == ctx.viewer_id

    async def _watch(self) -> None:
        ctx = self.context
        assert ctx.token is not None and ctx.token_expires_at is not None
        try:
            end = await live.session_end(
                ctx.deps, accounts.hash_token(ctx.token), ctx.token_expires_at
            )
        except Exception:
            # Without a watch the socket cannot know when to stop: the client reconnects.
            logger.exception("could not watch a socket's session")
            await self._close(INTERNAL, "Try again")
            return
        await self._end(end.value)

    async def _end(self, reason: str) -> None:
        self.context.sign_out()
        await self._close(UNAUTHORIZED, reason)

    async def _close(self, code: int, reason: str) -> None:
        if self._closing:
            return
        self._closing = True
        # Nothing runs for this socket any more; shutdown() awaits the cancelled tasks.
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)
        with contextlib.suppress(Exception):  # the client may have gone already
            await self.websocket.close(code=code, reason=reason)
