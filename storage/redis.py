"""The Redis (or Valkey) client, counting round trips like the PostgreSQL pool does."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline


class CountingPipeline(Pipeline):
    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        counter = getattr(self, "_snapfeed_client", None)
        if counter is not None and self.command_stack:
            counter.round_trips += 1
        return await super().execute(raise_on_error)


class CountingRedis(Redis):
    """A client whose `round_trips` grows by one per command and per pipeline sent."""

    round_trips: int = 0

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        self.round_trips += 1
        return await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Pipeline:
        pipe = CountingPipeline(
            self.connection_pool, self.response_callbacks, transaction, shard_hint
        )
        pipe._snapfeed_client = self  # type: ignore[attr-defined]
        return pipe


def open_redis(url: str) -> CountingRedis:
    client: CountingRedis = CountingRedis.from_url(url, decode_responses=False)
    return client


async def ping(redis: Redis) -> None:
    await redis.ping()
