"""While Redis cannot be reached, requests fail at once with INTERNAL, /readyz names it, and
everything works again as soon as it is back, without a restart."""

from __future__ import annotations

import httpx

from resolvers.deps import Deps
from storage.feed_cache import FeedCache
from storage.postgres import open_pool
from storage.redis import open_redis
from tests.client import GraphQLClient, create_upload
from tests.processes import free_port
from tests.social import FEED


async def test_redis_down_fails_fast_readyz_names_it_and_recovery_needs_no_restart(
    gql: GraphQLClient, http: httpx.AsyncClient, deps: Deps
) -> None:
    token, _ = await gql.register("reader")
    assert (await gql(FEED, token=token)).ok()["feed"]["edges"] == []
    healthy = (deps.redis, deps.feed_cache)
    # Nothing listens on this port: every Redis command is refused, as when Valkey is down.
    down = open_redis(f"redis://127.0.0.1:{free_port()}/0")
    deps.redis, deps.feed_cache = down, FeedCache(down, ttl_seconds=60)
    try:
        result = await gql(FEED, token=token)
        assert result.codes == ["INTERNAL"]
        assert "Connection" not in str(result.errors)  # no driver detail reaches the client
        ready = await http.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"] == {"postgres": "ok", "redis": "unavailable"}
    finally:
        deps.redis, deps.feed_cache = healthy
        await down.aclose()
    assert (await gql(FEED, token=token)).ok()["feed"]["edges"] == []
    ready = await http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["redis"] == "ok"


async def test_postgres_down_fails_fast_readyz_names_it_and_recovery_needs_no_restart(
    gql: GraphQLClient, http: httpx.AsyncClient, deps: Deps
) -> None:
    token, _ = await gql.register("reader")
    photo = b"\xff\xd8\xff" + b"0" * 64
    ticket = await create_upload(gql, token, photo, "image/jpeg")
    healthy = deps.db
    # Nothing listens on this port: every connection is refused, as when PostgreSQL is down.
    down = await open_pool(
        f"postgresql://postgres@127.0.0.1:{free_port()}/postgres", min_size=0, max_size=2
    )
    deps.db = down
    try:
        result = await gql(FEED, token=token)
        assert result.codes == ["INTERNAL"]
        ready = await http.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"] == {"postgres": "unavailable", "redis": "ok"}
        # An upload URL answers as S3 does when it cannot take a PUT: 503, retry later.
        refused = await http.put(ticket.url, content=photo, headers=ticket.headers)
        assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
        assert "Connection" not in refused.text
    finally:
        deps.db = healthy
        await down.close()
    assert (await gql(FEED, token=token)).ok()["feed"]["edges"] == []
    assert (await http.get("/readyz")).status_code == 200
    # The refused PUT used nothing up: the same URL takes the bytes now.
    taken = await http.put(ticket.url, content=photo, headers=ticket.headers)
    assert taken.status_code == 200, taken.text
