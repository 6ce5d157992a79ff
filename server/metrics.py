"""The /metrics endpoint (Prometheus text format), for allowed client addresses only."""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from functools import lru_cache

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from storage.metrics import QUEUE_DEPTH

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def networks(allow: tuple[str, ...]) -> tuple[Network, ...]:
    """`127.0.0.1`, `10.0.0.0/8`, `::1`... as networks; ValueError on a malformed entry."""
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in allow)


def address_allowed(host: str | None, allow: tuple[str, ...]) -> bool:
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:  # no address at all (a unix socket, a test transport's name)
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks(allow))


def metrics_endpoint(
    queue_depth: Callable[[], Awaitable[int]], allow: Callable[[], tuple[str, ...]]
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        if not address_allowed(request.client.host if request.client else None, allow()):
            # Not there, as far as anyone else can tell.
            return PlainTextResponse("Not Found", status_code=404)
        try:
            QUEUE_DEPTH.set(await queue_depth())
        except Exception:  # a scrape must not fail because Redis blinked
            QUEUE_DEPTH.set(float("nan"))
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return endpoint
