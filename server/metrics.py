"""The /metrics endpoint (Prometheus text format)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import Response

from storage.metrics import QUEUE_DEPTH


def metrics_endpoint(
    queue_depth: Callable[[], Awaitable[int]],
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(_request: Request) -> Response:
        try:
            QUEUE_DEPTH.set(await queue_depth())
        except Exception:  # a scrape must not fail because Redis blinked
            QUEUE_DEPTH.set(float("nan"))
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return endpoint
