"""The per-process token cache: a request needs no token round trip, and a logout on any
process still ends the token everywhere at once (through pub/sub, not by waiting)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from resolvers import live
from resolvers.accounts import hash_token
from resolvers.deps import Deps
from resolvers.sessions import TokenCache
from storage.settings import Settings
from storage.tokens import TokenOwner
from tests import processes
from tests.client import GraphQLClient
from tests.round_trips import RoundTripMeter

VIEWER = "{ viewer { username } }"
LOGOUT = "mutation { logout }"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def owner(user_id: int = 7, *, stale: bool = False, hours: float = 24) -> TokenOwner:
    return TokenOwner(user_id, stale, datetime.now(UTC) + timedelta(hours=hours))


@pytest.fixture
async def caching(deps: Deps) -> AsyncIterator[TokenCache]:
    """This process's token cache turned on (the suite runs with it off, so that pinned
    round trips do not depend on whether a token was seen before)."""
    original = deps.sessions
    deps.sessions = TokenCache(deps.hub, ttl_seconds=10)
    await deps.sessions.listening()
    try:
        yield deps.sessions
    finally:
        await deps.sessions.close()
        deps.sessions = original


@pytest.fixture
async def cache(deps: Deps) -> AsyncIterator[tuple[TokenCache, Clock]]:
    clock = Clock()
    made = TokenCache(deps.hub, ttl_seconds=10, clock=clock)
    await made.listening()
    yield made, clock
    await made.close()


async def test_an_owner_is_remembered_for_the_ttl_only(cache: tuple[TokenCache, Clock]) -> None:
    tokens, clock = cache
    remembered = owner()
    tokens.put(b"a", remembered)
    assert tokens.get(b"a") == remembered
    clock.now += 9.9
    assert tokens.get(b"a") is not None
    clock.now += 0.2
    assert tokens.get(b"a") is None


async def test_never_past_the_tokens_expiry(cache: tuple[TokenCache, Clock]) -> None:
    tokens, clock = cache
    tokens.put(b"short", owner(hours=1 / 3600))  # one second left
    clock.now += 1.5
    assert tokens.get(b"short") is None


async def test_a_pub_sub_reconnect_forgets_everything(
    cache: tuple[TokenCache, Clock], deps: Deps
) -> None:
    tokens, _ = cache
    tokens.put(b"a", owner())
    deps.hub.generation += 1  # what a failed and restored subscriber connection does
    assert tokens.get(b"a") is None


async def test_nothing_is_cached_while_pub_sub_is_down(
    cache: tuple[TokenCache, Clock], deps: Deps
) -> None:
    tokens, _ = cache
    deps.hub.connected = False
    try:
        tokens.put(b"a", owner())
    finally:
        deps.hub.connected = True
    assert tokens.get(b"a") is None


async def test_a_rebuilt_feed_is_no_longer_stale_in_the_cache(
    cache: tuple[TokenCache, Clock],
) -> None:
    tokens, _ = cache
    tokens.put(b"a", owner(7, stale=True))
    tokens.put(b"b", owner(8, stale=True))
    tokens.feed_rebuilt(7)
    first, second = tokens.get(b"a"), tokens.get(b"b")
    assert first is not None and first.feed_stale is False
    assert second is not None and second.feed_stale is True


async def test_a_published_revocation_is_forgotten(
    cache: tuple[TokenCache, Clock], deps: Deps
) -> None:
    tokens, _ = cache
    tokens.put(hash_token("t1"), owner())
    tokens.put(hash_token("t2"), owner())
    await live.token_revoked(deps, hash_token("t1"))
    async with asyncio.timeout(10):
        while tokens.get(hash_token("t1")) is not None:  # noqa: ASYNC110 (another task)
            await asyncio.sleep(0.01)
    assert tokens.get(hash_token("t2")) is not None


async def test_a_signed_in_request_needs_no_token_round_trip(
    gql: GraphQLClient, caching: TokenCache, round_trips: RoundTripMeter
) -> None:
    token, _ = await gql.register("cached")
    (await gql(VIEWER, token=token)).ok()  # looked up once, then remembered
    async with round_trips() as cost:
        data = (await gql(VIEWER, token=token)).ok()
    assert data["viewer"] == {"username": "cached"}
    assert cost.db == 1  # the user row only


async def test_logout_ends_the_token_at_once_on_this_process(
    gql: GraphQLClient, caching: TokenCache
) -> None:
    token, _ = await gql.register("leaving")
    (await gql(VIEWER, token=token)).ok()
    (await gql(LOGOUT, token=token)).ok()
    assert (await gql(VIEWER, token=token)).ok()["viewer"] is None


async def test_logout_reaches_the_cache_of_another_process(
    gql: GraphQLClient, deps: Deps, settings: Settings, tmp_path: Path
) -> None:
    port = processes.free_port()
    log = tmp_path / "serve.log"
    env = processes.cli_env(settings, SNAPFEED_PORT=str(port), SNAPFEED_TOKEN_CACHE_SECONDS="3600")
    proc = processes.start(["serve"], env, log)
    try:
        processes.wait_ready(port, proc, log)
        token, _ = await gql.register("roamer")
        url = f"http://127.0.0.1:{port}/graphql"
        headers = {"Authorization": f"Bearer {token}"}

        async def viewer(client: httpx.AsyncClient) -> object:
            answer = await client.post(url, json={"query": VIEWER}, headers=headers)
            return answer.json()["data"]["viewer"]

        async with httpx.AsyncClient(timeout=10) as client:
            # The other process remembers the owner once its revocation listener is up.
            async with asyncio.timeout(30):
                while True:
                    assert await viewer(client) == {"username": "roamer"}
                    # Revoked behind every cache's back: only a cached owner still answers.
                    await deps.db.execute("UPDATE auth_tokens SET revoked_at = now()")
                    if await viewer(client) is not None:
                        break
                    await deps.db.execute("UPDATE auth_tokens SET revoked_at = NULL")
                    await asyncio.sleep(0.1)
            await deps.db.execute("UPDATE auth_tokens SET revoked_at = NULL")
            (await gql(LOGOUT, token=token)).ok()  # on this process
            # Waiting for the publication to arrive, not for any time to pass: the cache
            # there would otherwise answer for an hour.
            async with asyncio.timeout(30):
                while await viewer(client) is not None:  # noqa: ASYNC110 (another process)
                    await asyncio.sleep(0.02)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
