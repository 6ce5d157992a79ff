"""The ASGI application: GraphQL at /graphql, health probes, request ids, the web app at /."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from resolvers.deps import Deps, open_deps
from schema.schema import build_schema
from server import collector, cors
from server.body_limits import BodyLimitMiddleware
from server.graphql_view import STATIC_DIR, SnapfeedGraphQL
from server.media_routes import media_routes
from server.metrics import metrics_endpoint, networks
from server.request_id import RequestIdMiddleware
from server.security_headers import SecurityHeadersMiddleware
from server.web_app import web_app_routes
from storage import jobs, postgres, redis
from storage.settings import Settings

logger = logging.getLogger("snapfeed.app")


def create_app(settings: Settings, deps: Deps | None = None) -> Starlette:
    """The app; with `deps` given (tests) it uses them and leaves closing them to the caller."""
    holder: dict[str, Deps] = {}
    if deps is not None:
        holder["deps"] = deps

    def get_deps() -> Deps:
        return holder["deps"]

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        logger.info("event loop: %s", type(asyncio.get_running_loop()).__module__)
        if "deps" in holder:
            yield
            return
        if not settings.database_url or not settings.redis_url:
            raise RuntimeError("SNAPFEED_DATABASE_URL and SNAPFEED_REDIS_URL must be set")
        holder["deps"] = await open_deps(
            settings, database_url=settings.database_url, redis_url=settings.redis_url
        )
        collector.settle()
        try:
            yield
        finally:
            await holder.pop("deps").close()

    async def healthz(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> JSONResponse:
        checks: dict[str, str] = {}
        current = get_deps()
        for name, probe in (
            ("postgres", postgres.ping(current.db)),
            ("redis", redis.ping(current.redis)),
        ):
            try:
                await asyncio.wait_for(probe, timeout=2)
                checks[name] = "ok"
            except Exception as exc:
                logger.warning("readiness check %s failed: %r", name, exc)
                checks[name] = "unavailable"
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ok" if ready else "unavailable", "checks": checks},
            status_code=200 if ready else 503,
        )

    networks(settings.metrics_allow)  # a malformed allow-list fails at start-up
    if bad_origins := cors.invalid_patterns(settings.allowed_origins):
        raise ValueError(f"SNAPFEED_ALLOWED_ORIGINS: not an origin: {', '.join(bad_origins)}")
    graphql = SnapfeedGraphQL(build_schema(settings), get_deps)
    return Starlette(
        routes=[
            # Every method reaches the view, which refuses all but GET and POST as JSON.
            Route("/graphql", graphql),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route(
                "/metrics",
                metrics_endpoint(
                    lambda: jobs.queue_depth(get_deps().jobs),
                    lambda: get_deps().settings.metrics_allow,
                ),
            ),
            *media_routes(get_deps),
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
            *web_app_routes(settings.web_app),
        ],
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(SecurityHeadersMiddleware),
            Middleware(cors.CORSMiddleware, settings=lambda: get_deps().settings),
            # The settings of the moment: tests tune deps.settings, as resolvers read them.
            Middleware(BodyLimitMiddleware, settings=lambda: get_deps().settings),
        ],
        lifespan=lifespan,
    )
