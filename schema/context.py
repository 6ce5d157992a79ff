"""The per-operation context handed to every resolver."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from dataloaders import Loaders, build_loaders
from resolvers.deps import Deps
from resolvers.errors import unauthenticated
from storage.tokens import TokenOwner


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

    def __post_init__(self) -> None:
        self.loaders = build_loaders(self.deps, self.viewer_id)

    def sign_in(self, owner: TokenOwner | None, token: str | None) -> None:
        """Set who is calling (WebSocket auth arrives after the context exists)."""
        self.viewer_id = owner.user_id if owner else None
        self.feed_stale = owner.feed_stale if owner else False
        self.token = token
        self.renew_loaders()

    def renew_loaders(self) -> None:
        """Fresh caches: a WebSocket keeps one context for all of its operations."""
        self.loaders = build_loaders(self.deps, self.viewer_id)

    def require_viewer(self) -> int:
        if self.viewer_id is None:
            raise unauthenticated()
        return self.viewer_id
