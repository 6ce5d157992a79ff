"""Where a feed request's time goes in this process: unit costs, id selection, cProfile."""

from __future__ import annotations

import contextlib
import cProfile
import functools
import pstats
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from resolvers.deps import Deps
from resolvers.feed.read import feed_ids
from server.app import create_app

from .config import REPO
from .deps import round_trips, settings_as
from .meters import percentile
from .reads import auth_headers, read_feed


@dataclass
class InProcessResult:
    what: str
    config: str
    calls: int
    p50_ms: float
    p95_ms: float
    db_round_trips: float
    redis_round_trips: float


async def measure_calls(
    deps: Deps, what: str, config: str, calls: Sequence[Callable[[], Awaitable[Any]]]
) -> InProcessResult:
    latencies: list[float] = []
    db0, redis0 = await round_trips(deps)
    for call in calls:
        start = time.perf_counter()
        await call()
        latencies.append((time.perf_counter() - start) * 1000)
    db1, redis1 = await round_trips(deps)
    n = max(1, len(calls))
    return InProcessResult(
        what=what,
        config=config,
        calls=len(calls),
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        db_round_trips=(db1 - db0) / n,
        redis_round_trips=(redis1 - redis0) / n,
    )


@contextlib.asynccontextmanager
async def asgi_client(deps: Deps) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the whole app built on `deps`, in this process (httpx.ASGITransport)."""
    app = create_app(deps.settings, deps)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        yield client


async def in_process_breakdown(
    deps: Deps, viewers: Sequence[int], tokens: dict[int, str]
) -> list[InProcessResult]:
    """Where a feed request's time goes, without sockets: unit costs, the strategy's id
    selection alone (`resolvers.feed.read.feed_ids`), and the whole GraphQL operation through
    the ASGI app in this process (httpx.ASGITransport)."""
    results: list[InProcessResult] = []

    async def db_ping() -> None:
        await deps.db.fetchval("SELECT 1")

    async def redis_ping() -> None:
        await deps.redis.ping()

    results.append(await measure_calls(deps, "SELECT 1 (one DB round trip)", "-", [db_ping] * 300))
    results.append(
        await measure_calls(deps, "PING (one Redis round trip)", "-", [redis_ping] * 300)
    )

    for strategy in ("hybrid", "pull"):
        with settings_as(deps, feed_strategy=strategy):

            def ids_call(viewer: int) -> Callable[[], Awaitable[Any]]:
                return lambda: feed_ids(deps, viewer, stale=False, before=None, limit=21)

            calls = [ids_call(v) for v in viewers]
            await measure_calls(deps, "warm-up", strategy, calls)
            results.append(await measure_calls(deps, "feed_ids only", strategy, calls * 2))

            async with asgi_client(deps) as client:
                gql_calls = [
                    functools.partial(read_feed, client, "/graphql", auth_headers(tokens[v]))
                    for v in viewers
                ]
                await measure_calls(deps, "warm-up", strategy, gql_calls)
                results.append(
                    await measure_calls(
                        deps, "GraphQL op, in-process ASGI", strategy, gql_calls * 2
                    )
                )
    return results


def _profile_group(filename: str, name: str) -> str:
    path = filename.replace("\\", "/")
    if "/site-packages/" in path:
        package = path.split("/site-packages/", 1)[1].split("/", 1)[0]
        return {
            "graphql": "graphql-core (validate, execute)",
            "strawberry": "strawberry",
            "asyncpg": "asyncpg",
            "redis": "redis-py",
            "httpx": "httpx (bench client)",
            "httpcore": "httpx (bench client)",
            "starlette": "starlette",
        }.get(package, f"other: {package}")
    if path.startswith(str(REPO)):
        return "snapfeed code"
    if "/asyncio/" in path:
        return "asyncio event loop"
    if filename == "~":
        if "poll" in name or "select" in name:
            return "waiting for I/O (epoll)"
        if "socket" in name:
            return "socket calls"
        return "C builtins (getattr, isinstance, ...)"
    return "other stdlib"


async def profile_hybrid(
    deps: Deps, viewers: Sequence[int], tokens: dict[int, str]
) -> tuple[list[dict[str, Any]], float]:
    """cProfile of the hybrid feed GraphQL operation in-process, own time by package.

    Profiling inflates every call; the shares, not the absolute numbers, are the point.
    Also returns how often graphql-core's validate() ran per request (0 with a working
    validation cache).
    """
    with settings_as(deps, feed_strategy="hybrid"):
        async with asgi_client(deps) as client:
            for viewer in viewers:  # warm: caches built, parser and validation caches filled
                await read_feed(client, "/graphql", auth_headers(tokens[viewer]))
            profiler = cProfile.Profile()
            profiler.enable()
            for viewer in viewers:
                await read_feed(client, "/graphql", auth_headers(tokens[viewer]))
            profiler.disable()
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]]
    raw = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    groups: dict[str, float] = {}
    validations = 0
    for (filename, _line, name), (_cc, calls, own, _cum, _callers) in raw.items():
        group = _profile_group(filename, name)
        groups[group] = groups.get(group, 0.0) + own
        if filename.endswith("graphql/validation/validate.py") and name == "validate":
            validations += calls
    total = sum(groups.values()) or 1.0
    small = [part for part, own in groups.items() if own / total < 0.01]
    if len(small) > 1:
        groups["rest (under 1% each)"] = sum(groups.pop(part) for part in small)
    n = max(1, len(viewers))
    rows = [
        {"part": part, "ms_per_request": 1000 * own / n, "share": f"{own / total:.0%}"}
        for part, own in sorted(groups.items(), key=lambda item: -item[1])
    ]
    return rows, validations / n
