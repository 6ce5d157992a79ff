"""The per-operation context handed to every resolver."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dataloaders import Loaders, build_loaders
from resolvers.deps import Deps
from resolvers.errors import AppError, ErrorCode, unauthenticated
from storage.tokens import TokenOwner

SIGNED_OUT = "This session was signed out"


@dataclass
class Context:
    deps: Deps
    request_id: str
    client_ip: str
    token: str | None = None
    viewer_id: int | None = None
    feed_stale: bool = False  # the viewer was away long enough that their feed needs a rebuild
    loaders: Loaders = field(init=False)
    request: Any = None
    response: Any = None
    connection_params: dict[str, Any] | None = None
    # Set for WebSocket connections: closes the socket with a graphql-transport-ws code.
    close_socket: Callable[[int, str], Awaitable[None]] | None = None
    token_expires_at: datetime | None = None
    # A socket's token was revoked or expired: nothing more runs as its viewer.
    signed_out: bool = False

    def __post_init__(self) -> None:
        self.loaders = build_loaders(self.deps, self.viewer_id)

    def sign_in(self, owner: TokenOwner | None, token: str | None) -> None:
        """Set who is calling (WebSocket auth arrives after the context exists)."""
        self.viewer_id = owner.user_id if owner else None
        self.feed_stale = owner.feed_stale if owner else False
        self.token_expires_at = owner.expires_at if owner else None
        self.token = token
        self.renew_loaders()

    def sign_out(self) -> None:
        """The token is gone: from now on this context acts for nobody."""
        self.signed_out = True
        self.sign_in(None, None)

    def renew_loaders(self) -> None:
        """Fresh caches: a WebSocket keeps one context for all of its operations."""
        self.loaders = build_loaders(self.deps, self.viewer_id)

    def require_viewer(self) -> int:
        if self.signed_out:
            raise AppError(ErrorCode.UNAUTHENTICATED, SIGNED_OUT)
        if self.viewer_id is None:
            raise unauthenticated()
        return self.viewer_id
