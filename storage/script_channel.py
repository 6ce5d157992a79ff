"""One pipelined connection for a process's hot read scripts (a feed page, an explore page).

redis-py spends about 0.1 ms of CPU on a command beyond its bytes: the connection pool's
checks, the retry wrapper, two timeout contexts, the StreamReader. Redis answers a
connection's commands in the order they came, so one asyncio protocol with a hiredis
reader carries every concurrent call of the process: a call writes its command, queues a
future and waits; each reply completes the oldest waiting future.

The failures are redis-py's, so callers handle them alike: a node that cannot be reached
raises ConnectionError within the connect timeout, a lost connection fails every call
waiting on it with ConnectionError (the next call connects again), a reply that does not
come within the reply timeout raises TimeoutError and drops the connection (its later
replies would belong to nobody), an error reply raises ResponseError. A script the node
does not know (restarted, flushed) is sent whole once, as redis-py's scripts do.
Single nodes without TLS only (`for_url`); everything else uses redis-py.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Sequence
from typing import Any, Protocol

import hiredis
from redis.asyncio.connection import parse_url
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

CLIENT_NAME = "snapfeed-scripts"


class Script(Protocol):
    """What a registered redis-py script gives: its text and SHA-1."""

    @property
    def script(self) -> Any: ...

    @property
    def sha(self) -> str: ...


class _Replies(asyncio.Protocol):
    def __init__(self) -> None:
        self.reader = hiredis.Reader()
        self.waiting: deque[asyncio.Future[Any]] = deque()
        self.transport: Any = None  # uvloop's transports are not asyncio.Transport
        self.usable = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.reader.feed(data)
        try:
            reply = self.reader.gets()
            while reply is not False:
                waiter = self.waiting.popleft()
                if not waiter.done():  # its caller may have been cancelled
                    waiter.set_result(reply)
                reply = self.reader.gets()
        except (hiredis.ProtocolError, IndexError):  # garbage, or a reply nobody asked for
            self.drop()

    def connection_lost(self, exc: Exception | None) -> None:
        self.usable = False
        while self.waiting:
            waiter = self.waiting.popleft()
            if not waiter.done():
                waiter.set_exception(RedisConnectionError("Connection to Redis lost"))

    def drop(self) -> None:
        self.usable = False
        if self.transport is not None:
            self.transport.close()


class ScriptChannel:
    def __init__(
        self, options: dict[str, Any], *, connect_timeout: float, reply_timeout: float
    ) -> None:
        self._options = options
        self._connect_timeout = connect_timeout
        self._reply_timeout = reply_timeout
        self._replies: _Replies | None = None
        self._connecting = asyncio.Lock()

    @classmethod
    def for_url(
        cls, url: str, *, connect_timeout: float, reply_timeout: float
    ) -> ScriptChannel | None:
        """A channel to the single node the URL names; None for TLS (`rediss://`)."""
        options: dict[str, Any] = dict(parse_url(url))
        if url.startswith("rediss:") or options.get("ssl"):
            return None
        return cls(options, connect_timeout=connect_timeout, reply_timeout=reply_timeout)

    async def evalsha(self, script: Script, keys: Sequence[Any], args: Sequence[Any]) -> Any:
        replies = self._replies
        if replies is None or not replies.usable:
            replies = await self._connect()
        reply = await self._call(replies, ("EVALSHA", script.sha, len(keys), *keys, *args))
        if isinstance(reply, hiredis.ReplyError) and str(reply).startswith("NOSCRIPT"):
            reply = await self._call(replies, ("EVAL", script.script, len(keys), *keys, *args))
        if isinstance(reply, hiredis.ReplyError):
            raise ResponseError(str(reply))
        return reply

    async def close(self) -> None:
        replies, self._replies = self._replies, None
        if replies is not None:
            replies.drop()

    async def _call(self, replies: _Replies, command: tuple[Any, ...]) -> Any:
        if not replies.usable or replies.transport is None:
            raise RedisConnectionError("Connection to Redis lost")
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        replies.waiting.append(waiter)
        replies.transport.write(hiredis.pack_command(command))
        timer = loop.call_later(self._reply_timeout, _time_out, replies, waiter)
        try:
            return await waiter
        finally:
            timer.cancel()

    async def _connect(self) -> _Replies:
        async with self._connecting:
            if self._replies is not None and self._replies.usable:
                return self._replies  # another call connected meanwhile
            loop = asyncio.get_running_loop()
            options = self._options
            try:
                async with asyncio.timeout(self._connect_timeout):
                    if "path" in options:
                        _, replies = await loop.create_unix_connection(_Replies, options["path"])
                    else:
                        _, replies = await loop.create_connection(
                            _Replies, options.get("host", "localhost"), options.get("port", 6379)
                        )
                    try:
                        await self._introduce(replies)
                    except BaseException:
                        replies.drop()
                        raise
            except (OSError, TimeoutError) as error:
                raise RedisConnectionError(f"Error connecting to Redis: {error!r}") from error
            self._replies = replies
            return replies

    async def _introduce(self, replies: _Replies) -> None:
        options = self._options
        commands: list[tuple[Any, ...]] = []
        if options.get("password") is not None:
            user = options.get("username")
            commands.append(
                ("AUTH", options["password"])
                if user is None
                else ("AUTH", user, options["password"])
            )
        if options.get("db"):
            commands.append(("SELECT", options["db"]))
        commands.append(("CLIENT", "SETNAME", CLIENT_NAME))
        for command in commands:
            reply = await self._call(replies, command)
            if isinstance(reply, hiredis.ReplyError):
                raise RedisConnectionError(f"Redis refused {command[0]}: {reply}")


def _time_out(replies: _Replies, waiter: asyncio.Future[Any]) -> None:
    if not waiter.done():
        waiter.set_exception(RedisTimeoutError("Timeout reading from Redis"))
    with contextlib.suppress(Exception):
        replies.drop()
