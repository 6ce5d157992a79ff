"""Who a bearer token belongs to, remembered for a few seconds in each API process.

Every request names its token, and looking it up is a database round trip. The cache keeps
an owner for at most `token_cache_seconds` and never past the token's expiry. A logout on any
process reaches every other process through pub/sub (`keys.LIVE_REVOCATIONS`), which drops
the entry at once. Messages sent while this process's pub/sub connection was down are lost,
so a reconnect empties the cache, and until this process is subscribed nothing is cached.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from storage import keys
from storage.pubsub import Hub, Listener
from storage.tokens import TokenOwner

logger = logging.getLogger("snapfeed.sessions")

RETRY_SECONDS = 5.0  # before listening again after the revocation channel failed
PROBE_SECONDS = 1.0  # before publishing another probe while subscribing


@dataclass(slots=True)
class _Entry:
    owner: TokenOwner
    until: float  # monotonic seconds
    generation: int  # the pub/sub connection it was cached under


class TokenCache:
    def __init__(
        self, hub: Hub, ttl_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._hub = hub
        self._ttl = ttl_seconds
        self._clock = clock
        self._entries: dict[bytes, _Entry] = {}
        self._by_user: dict[int, set[bytes]] = defaultdict(set)
        self._listening = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._retry_at = 0.0

    def get(self, token_hash: bytes) -> TokenOwner | None:
        """The cached owner, or None when unknown here (ask the database)."""
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        if entry.generation != self._hub.generation or self._clock() >= entry.until:
            self.forget(token_hash)
            return None
        return entry.owner

    def put(self, token_hash: bytes, owner: TokenOwner) -> None:
        self._start()
        if self._ttl <= 0 or not self._listening.is_set() or not self._hub.connected:
            return
        left = (owner.expires_at - datetime.now(UTC)).total_seconds()
        now = self._clock()
        self._entries[token_hash] = _Entry(owner, now + min(self._ttl, left), self._hub.generation)
        self._by_user[owner.user_id].add(token_hash)

    def forget(self, token_hash: bytes) -> None:
        entry = self._entries.pop(token_hash, None)
        if entry is not None:
            hashes = self._by_user.get(entry.owner.user_id)
            if hashes is not None:
                hashes.discard(token_hash)
                if not hashes:
                    del self._by_user[entry.owner.user_id]

    def feed_rebuilt(self, user_id: int) -> None:
        """The user's feed is fresh again: their cached owners stop saying otherwise."""
        for token_hash in self._by_user.get(user_id, ()):
            entry = self._entries[token_hash]
            entry.owner = replace(entry.owner, feed_stale=False)

    async def listening(self) -> None:
        """Start listening for revocations (requests start it too) and wait until subscribed."""
        self._start()
        await self._listening.wait()

    def _start(self) -> None:
        if self._ttl <= 0 or self._task is not None or self._clock() < self._retry_at:
            return
        self._task = asyncio.get_running_loop().create_task(
            self._listen(), name="token-revocations"
        )

    async def _listen(self) -> None:
        try:
            async with self._hub.listen([keys.LIVE_REVOCATIONS]) as listener:
                await self._confirm(listener)
                self._listening.set()
                async for _, message in listener:
                    with contextlib.suppress(ValueError):
                        self.forget(bytes.fromhex(message))
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("token revocations are not reaching this process; not caching")
            self._retry_at = self._clock() + RETRY_SECONDS
        finally:
            self._listening.clear()
            self._entries.clear()
            self._by_user.clear()
            self._task = None

    async def _confirm(self, listener: Listener) -> None:
        """Wait until the subscription is in force on the server: a SUBSCRIBE sent is not yet
        one served, and a revocation published in between would be missed. A probe of our
        own coming back proves it (it is not hex, so other processes ignore it)."""
        probe = f"probe:{secrets.token_hex(8)}"
        while True:
            await self._hub.publish(keys.LIVE_REVOCATIONS, probe)
            try:
                async with asyncio.timeout(PROBE_SECONDS):
                    while (await anext(listener))[1] != probe:
                        pass
                return
            except TimeoutError:
                continue

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
