"""Redis pub/sub for live updates: publishers anywhere, one subscriber connection per process.

Every API process keeps a single Redis connection in subscribe mode and hands messages to
the local listeners of each channel; a socket holds nothing but its listener. Listeners
have bounded queues: a consumer that cannot keep up loses its oldest messages instead of
growing server memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.cluster import RedisCluster

from storage.redis import is_cluster

logger = logging.getLogger("snapfeed.pubsub")

LISTENER_QUEUE = 64


async def publish(redis: Redis, channel: str, message: str) -> None:
    if is_cluster(redis):
        # PUBLISH names no key: any node takes it, and the cluster bus gives it to every node.
        await redis.execute_command(  # type: ignore[no-untyped-call]
            "PUBLISH", channel, message, target_nodes=RedisCluster.DEFAULT_NODE
        )
    else:
        await redis.publish(channel, message)


_PUBLISH_MANY = """
for i = 2, #ARGV do redis.call('PUBLISH', ARGV[i], ARGV[1]) end
return #ARGV - 1
"""


async def publish_many(redis: Redis, channels: Sequence[str], message: str) -> None:
    """One round trip and one command for any number of channels (a fan-out batch)."""
    if channels:
        await redis.register_script(_PUBLISH_MANY)(args=[message, *channels])


_PUBLISH_PAIRS = """
for i = 1, #ARGV, 2 do redis.call('PUBLISH', ARGV[i], ARGV[i + 1]) end
return #ARGV / 2
"""


async def publish_each(redis: Redis, messages: Sequence[tuple[str, str]]) -> None:
    """(channel, message) pairs, each its own message, in one round trip."""
    if messages and is_cluster(redis):  # a cluster pipeline cannot route a keyless PUBLISH
        pairs = [part for pair in messages for part in pair]
        await redis.register_script(_PUBLISH_PAIRS)(args=pairs)
    elif messages:
        async with redis.pipeline(transaction=False) as pipe:
            for channel, message in messages:
                pipe.publish(channel, message)
            await pipe.execute()


class Listener:
    def __init__(self, hub: Hub, channels: tuple[str, ...]) -> None:
        self._hub = hub
        self.channels = channels
        self.queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue(LISTENER_QUEUE)

    def deliver(self, channel: str, message: str) -> None:
        if self.queue.full():
            self.queue.get_nowait()  # slow consumer: the oldest message goes
        self.queue.put_nowait((channel, message))

    async def __anext__(self) -> tuple[str, str]:
        return await self.queue.get()

    def __aiter__(self) -> Listener:
        return self


class Hub:
    def __init__(self, redis: Redis, subscriber: Redis | None = None) -> None:
        self._redis = redis
        # A cluster client cannot subscribe; a plain connection to one node hears every
        # PUBLISH of the cluster (storage/redis.py, open_subscriber).
        self._subscriber = subscriber
        self._pubsub: PubSub | None = None
        self._listeners: dict[str, set[Listener]] = defaultdict(set)
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        # Bumped when the subscriber connection fails and again once it reads again:
        # whatever was published in between never arrived here.
        self.generation = 0
        self.connected = True

    async def publish(self, channel: str, message: str) -> None:
        await publish(self._redis, channel, message)

    @contextlib.asynccontextmanager
    async def listen(self, channels: Sequence[str]) -> AsyncIterator[Listener]:
        listener = Listener(self, tuple(channels))
        await self._add(listener)
        try:
            yield listener
        finally:
            await self._remove(listener)

    async def _add(self, listener: Listener) -> None:
        async with self._lock:
            if self._pubsub is None:
                source = self._subscriber or self._redis
                self._pubsub = source.pubsub(ignore_subscribe_messages=True)
            new = [c for c in listener.channels if not self._listeners[c]]
            for channel in listener.channels:
                self._listeners[channel].add(listener)
            if new:
                await self._pubsub.subscribe(*new)
            if self._reader is None or self._reader.done():
                self._reader = asyncio.create_task(self._read(), name="pubsub-reader")

    async def _remove(self, listener: Listener) -> None:
        async with self._lock:
            gone = []
            for channel in listener.channels:
                self._listeners[channel].discard(listener)
                if not self._listeners[channel]:
                    del self._listeners[channel]
                    gone.append(channel)
            if gone and self._pubsub is not None:
                await self._pubsub.unsubscribe(*gone)

    async def _read(self) -> None:
        assert self._pubsub is not None
        while True:
            try:
                message = await self._pubsub.get_message(timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("pub/sub connection failed; retrying")
                if self.connected:
                    self.connected = False
                    self.generation += 1
                await asyncio.sleep(1)
                continue
            if not self.connected:
                self.connected = True
                self.generation += 1
            if message is None or message.get("type") != "message":
                if not self._listeners:
                    await asyncio.sleep(0.05)
                continue
            channel = message["channel"].decode()
            data = message["data"].decode()
            for listener in list(self._listeners.get(channel, ())):
                listener.deliver(channel, data)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._pubsub is not None:
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        if self._subscriber is not None:
            await self._subscriber.aclose()
