"""The hot read scripts' own connection (storage/script_channel.py) answers as redis-py
does, call by call, and fails as redis-py does: unreachable, lost, silent, refused."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import uvloop
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from resolvers.deps import Deps
from storage.redis import open_redis, run_script
from storage.script_channel import CLIENT_NAME, ScriptChannel
from storage.settings import Settings

SHAPES = """
if ARGV[1] == 'fail' then return redis.error_reply('ERR asked to fail') end
redis.call('SET', KEYS[1], ARGV[1])
return {redis.call('GET', KEYS[1]), tonumber(ARGV[2]), false, {ARGV[1], {1, 2}}, KEYS[2]}
"""


def _channel(url: str, reply_timeout: float = 5.0) -> ScriptChannel:
    channel = ScriptChannel.for_url(url, connect_timeout=1.0, reply_timeout=reply_timeout)
    assert channel is not None
    return channel


@pytest.fixture
async def channel(deps: Deps) -> AsyncIterator[ScriptChannel]:
    opened = _channel(deps.settings.redis_url or "")
    yield opened
    await opened.close()


async def test_replies_are_redis_pys(deps: Deps, channel: ScriptChannel) -> None:
    script = deps.redis.register_script(SHAPES)
    for value, number in (("a", 1), ("é ü", -7), ("", 2**40)):
        keys: list[str] = ["k:1", "k:2"]
        args: list[str | int] = [value, number]
        assert await channel.evalsha(script, keys, args) == await script(keys=keys, args=args)


async def test_concurrent_calls_get_their_own_replies(deps: Deps, channel: ScriptChannel) -> None:
    script = deps.redis.register_script(SHAPES)
    replies = await asyncio.gather(
        *(channel.evalsha(script, [f"k:{i}", "x"], [f"v{i}", i]) for i in range(200))
    )
    assert [r[0] for r in replies] == [f"v{i}".encode() for i in range(200)]
    assert [r[1] for r in replies] == list(range(200))


async def test_a_script_the_node_does_not_know_is_sent_whole(
    deps: Deps, channel: ScriptChannel
) -> None:
    script = deps.redis.register_script(SHAPES)
    await deps.redis.script_flush()
    assert (await channel.evalsha(script, ["k", "x"], ["v", 1]))[0] == b"v"
    assert await deps.redis.script_exists(script.sha) == [True]


async def test_an_error_reply_raises_and_the_channel_goes_on(
    deps: Deps, channel: ScriptChannel
) -> None:
    script = deps.redis.register_script(SHAPES)
    with pytest.raises(ResponseError, match="asked to fail"):
        await channel.evalsha(script, ["k", "x"], ["fail", 1])
    assert (await channel.evalsha(script, ["k", "x"], ["ok", 1]))[0] == b"ok"


async def test_a_lost_connection_fails_its_calls_and_the_next_call_reconnects(
    deps: Deps, channel: ScriptChannel
) -> None:
    script = deps.redis.register_script(SHAPES)
    await channel.evalsha(script, ["k", "x"], ["v", 1])
    ours = [c["id"] for c in await deps.redis.client_list() if c["name"] == CLIENT_NAME]
    for client_id in ours:
        await deps.redis.client_kill_filter(_id=client_id)
    await asyncio.sleep(0.05)
    # Killed while idle: noticed, so the next call connects again and succeeds.
    assert (await channel.evalsha(script, ["k", "x"], ["again", 1]))[0] == b"again"
    names = [c["name"] for c in await deps.redis.client_list()]
    assert CLIENT_NAME in names


async def test_an_unreachable_node_fails_fast(tmp_path: Path) -> None:
    channel = _channel(f"unix://{tmp_path / 'nothing.sock'}")
    script = Redis().register_script("return 1")
    with pytest.raises(RedisConnectionError):
        await channel.evalsha(script, [], [])


async def test_a_silent_node_times_out_and_the_connection_is_dropped(tmp_path: Path) -> None:
    accepted: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)
        await reader.readuntil(b"SETNAME\r\n")
        writer.write(b"+OK\r\n")  # the greeting answered, nothing after it

    path = tmp_path / "silent.sock"
    server = await asyncio.start_unix_server(silent, path=str(path))
    channel = _channel(f"unix://{path}", reply_timeout=0.2)
    script = Redis().register_script("return 1")
    try:
        with pytest.raises(RedisTimeoutError):
            await channel.evalsha(script, [], [])
        with pytest.raises(RedisTimeoutError):  # on a new connection: the old one was dropped
            await channel.evalsha(script, [], [])
        assert len(accepted) == 2
    finally:
        await channel.close()
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_the_client_routes_hot_scripts_through_its_channel(deps: Deps) -> None:
    client = open_redis(deps.settings.redis_url or "")
    try:
        assert client.scripts is not None
        script = client.register_script(SHAPES)
        before = client.round_trips
        reply = await run_script(client, script, keys=["k", "x"], args=["v", 3])
        assert reply[:2] == [b"v", 3]
        assert client.round_trips == before + 1
        names = [c["name"] for c in await client.client_list()]
        assert CLIENT_NAME in names
    finally:
        await client.aclose()


def test_tls_urls_keep_redis_pys_connections() -> None:
    assert (
        ScriptChannel.for_url("rediss://localhost:6380", connect_timeout=1, reply_timeout=1) is None
    )
    assert ScriptChannel.for_url("redis://localhost:6379/2", connect_timeout=1, reply_timeout=1)


def test_under_uvloop_as_the_server_runs(settings: Settings) -> None:
    async def call() -> object:
        channel = _channel(settings.redis_url or "")
        try:
            return await channel.evalsha(Redis().register_script("return {1, 'a'}"), [], [])
        finally:
            await channel.close()

    loop = uvloop.new_event_loop()
    try:
        assert loop.run_until_complete(call()) == [1, b"a"]
    finally:
        loop.close()
