"""What the domain needs from the outside world, opened once per process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import asyncpg
from arq.connections import ArqRedis

from resolvers.documents import PersistedDocuments
from resolvers.feed.rank import parse_weights
from resolvers.passwords import Passwords
from resolvers.rates import parse_rates
from resolvers.sessions import TokenCache
from storage.feed_cache import FeedCache
from storage.feeds.base import FeedStore
from storage.feeds.open import open_feed_store
from storage.jobs import open_queue
from storage.objects.base import ObjectStore
from storage.objects.open import open_object_store
from storage.postgres import RoundTripCounter, open_pool
from storage.pubsub import Hub
from storage.redis import CountingRedis, is_cluster_url, open_redis, open_subscriber
from storage.settings import Settings


@dataclass
class Deps:
    settings: Settings
    db: asyncpg.Pool
    redis: CountingRedis
    jobs: ArqRedis
    objects: ObjectStore
    feeds: FeedStore
    feed_cache: FeedCache
    passwords: Passwords
    hub: Hub
    sessions: TokenCache  # owners of recently seen bearer tokens
    db_round_trips: RoundTripCounter = field(default_factory=RoundTripCounter)
    # Texts of persisted queries and trusted documents seen by this process, by hash.
    documents: PersistedDocuments = field(default_factory=PersistedDocuments)
    # The time as the domain sees it (story expiry, ranking); tests move it forward.
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    async def close(self) -> None:
        await self.sessions.close()
        await self.hub.close()
        await self.feeds.close()
        await self.objects.close()
        await self.jobs.aclose()
        await self.redis.aclose()
        await self.db.close()


async def open_objects(settings: Settings) -> ObjectStore:
    if settings.media_backend == "local" and not settings.secret_key:
        raise RuntimeError("SNAPFEED_SECRET_KEY must be set to sign upload URLs")
    return await open_object_store(
        backend=settings.media_backend,
        local_root=settings.media_root,
        public_base_url=settings.base_url,
        secret=(settings.secret_key or "").encode(),
        s3_bucket=settings.s3_bucket,
        s3_region=settings.s3_region,
        s3_endpoint_url=settings.s3_endpoint_url,
        s3_presign_endpoint_url=settings.s3_public_endpoint_url,
        s3_access_key_id=settings.s3_access_key_id,
        s3_secret_access_key=settings.s3_secret_access_key,
        media_base_url=settings.media_base_url,
    )


async def open_deps(
    settings: Settings, *, database_url: str, redis_url: str, count_round_trips: bool = False
) -> Deps:
    """`count_round_trips`: count statements in `db_round_trips` (tests and benchmarks ask;
    asyncpg's query logger costs every statement a context manager, a record and a loop
    callback, about 10 us of CPU, for a count nothing else reads)."""
    parse_rates(settings.rate_limits)  # a malformed SNAPFEED_RATE_LIMITS fails at start-up
    parse_weights(settings.feed_rank_weights)  # and so does SNAPFEED_FEED_RANK_WEIGHTS
    counter = RoundTripCounter()
    db = await open_pool(
        database_url,
        min_size=settings.db_pool_min,
        max_size=settings.db_pool_max,
        counter=counter if count_round_trips else None,
    )
    queue_url = settings.queue_redis_url or redis_url
    redis = open_redis(redis_url)
    hub = Hub(redis, open_subscriber(redis_url) if is_cluster_url(redis_url) else None)
    return Deps(
        settings=settings,
        db=db,
        redis=redis,
        jobs=await open_queue(queue_url),
        objects=await open_objects(settings),
        feeds=await open_feed_store(
            backend=settings.feed_store,
            db=db,
            cassandra_hosts=settings.cassandra_hosts,
            cassandra_keyspace=settings.cassandra_keyspace,
        ),
        feed_cache=FeedCache(redis, ttl_seconds=settings.active_days * 86_400),
        passwords=Passwords(settings),
        hub=hub,
        sessions=TokenCache(hub, settings.token_cache_seconds),
        db_round_trips=counter,
    )
