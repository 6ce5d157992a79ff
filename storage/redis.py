"""The Redis (or Valkey) client, counting round trips like the PostgreSQL pool does.

`SNAPFEED_REDIS_URL` names one node (`redis://`, `rediss://`, `unix://`) or a Redis Cluster
(`redis+cluster://host:port,host:port,...`, any reachable nodes; the rest are discovered).
On a cluster every command and pipeline is routed by key slot, so code that sends several
keys in one command or script groups them with `by_slot` first (storage/keys.py says which
keys share a slot). Pub/sub needs no routing: a cluster broadcasts PUBLISH to every node, so
the subscriber is a plain connection to one node (`open_subscriber`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast
from urllib.parse import unquote, urlsplit

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.asyncio.cluster import ClusterNode, ClusterPipeline, RedisCluster

from storage.script_channel import Script, ScriptChannel

CLUSTER_SCHEMES = ("redis+cluster", "rediss+cluster")

# A dependency that is down must fail a request fast, not hang it: connects and replies
# give up after these many seconds (the API answers INTERNAL and recovers once it is back).
CONNECT_TIMEOUT_SECONDS = 2.0
REPLY_TIMEOUT_SECONDS = 5.0


class CountingPipeline(Pipeline):
    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        counter = getattr(self, "_snapfeed_client", None)
        if counter is not None and self.command_stack:
            counter.round_trips += 1
        return await super().execute(raise_on_error)


class CountingRedis(Redis):
    """A client whose `round_trips` grows by one per command and per pipeline sent."""

    round_trips: int = 0
    # The hot read scripts' own connection (storage/script_channel.py), on a single node.
    scripts: ScriptChannel | None = None

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        if self.scripts is not None:
            await self.scripts.close()
        await super().aclose(close_connection_pool)

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        self.round_trips += 1
        return await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Pipeline:
        pipe = CountingPipeline(
            self.connection_pool, self.response_callbacks, transaction, shard_hint
        )
        pipe._snapfeed_client = self  # type: ignore[attr-defined]
        return pipe


class CountingClusterPipeline(ClusterPipeline):
    async def execute(
        self, raise_on_error: bool = True, allow_redirections: bool = True
    ) -> list[Any]:
        counter = getattr(self, "_snapfeed_client", None)
        if counter is not None and self._command_stack:
            counter.round_trips += 1
        return await super().execute(raise_on_error, allow_redirections)


class CountingRedisCluster(RedisCluster):
    """The cluster client, counting like CountingRedis (a pipeline counts once).

    A cluster has no transactions across nodes, so `pipeline(transaction=True)` is refused
    by redis-py: Snapfeed's storage uses scripts where it needs one atomic step.
    """

    round_trips: int = 0

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        self.round_trips += 1
        return await super().execute_command(*args, **kwargs)

    def pipeline(self, transaction: Any = None, shard_hint: Any = None) -> ClusterPipeline:
        if transaction or shard_hint:
            return super().pipeline(transaction, shard_hint)  # raises, as redis-py does
        pipe = CountingClusterPipeline(self)  # type: ignore[abstract]
        pipe._snapfeed_client = self  # type: ignore[attr-defined]
        return pipe


def is_cluster_url(url: str) -> bool:
    return urlsplit(url).scheme in CLUSTER_SCHEMES


def cluster_nodes(url: str) -> list[tuple[str, int]]:
    """The `host:port` pairs of a `redis+cluster://[user:password@]host:port,...` URL."""
    netloc = urlsplit(url).netloc.rpartition("@")[2]
    nodes = []
    for part in netloc.split(","):
        host, _, port = part.strip().rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"a cluster node must be host:port, not {part!r}")
        nodes.append((host.strip("[]"), int(port)))
    return nodes


def _credentials(url: str) -> dict[str, Any]:
    userinfo, at, _ = urlsplit(url).netloc.rpartition("@")
    if not at:
        return {}
    user, colon, password = userinfo.partition(":")
    return {"username": unquote(user) or None, "password": unquote(password) if colon else None}


def open_redis(url: str) -> CountingRedis:
    """A client for the node or cluster the URL names.

    A cluster client is typed as CountingRedis: storage code uses only commands both have.
    """
    timeouts: dict[str, Any] = {
        "socket_connect_timeout": CONNECT_TIMEOUT_SECONDS,
        "socket_timeout": REPLY_TIMEOUT_SECONDS,
    }
    if is_cluster_url(url):
        cluster = CountingRedisCluster(
            startup_nodes=[ClusterNode(host, port) for host, port in cluster_nodes(url)],
            decode_responses=False,
            ssl=urlsplit(url).scheme == "rediss+cluster",
            **_credentials(url),
            **timeouts,
        )
        return cast(CountingRedis, cluster)
    client: CountingRedis = CountingRedis.from_url(url, decode_responses=False, **timeouts)
    client.scripts = ScriptChannel.for_url(
        url, connect_timeout=CONNECT_TIMEOUT_SECONDS, reply_timeout=REPLY_TIMEOUT_SECONDS
    )
    return client


async def run_script(redis: Redis, script: Script, keys: Sequence[Any], args: Sequence[Any]) -> Any:
    """A hot read script's reply: through the client's script channel when it has one (a
    round trip all the same), else as redis-py runs a registered script."""
    channel = getattr(redis, "scripts", None)
    if channel is None:
        return await script(keys=keys, args=args)  # type: ignore[operator]
    redis.round_trips += 1  # type: ignore[attr-defined]
    return await channel.evalsha(script, keys, args)


def open_subscriber(url: str) -> Redis:
    """A connection for SUBSCRIBE: the node itself, or the first node of a cluster."""
    if not is_cluster_url(url):
        client: Redis = Redis.from_url(
            url, decode_responses=False, socket_connect_timeout=CONNECT_TIMEOUT_SECONDS
        )
        return client
    host, port = cluster_nodes(url)[0]
    return Redis(
        host=host,
        port=port,
        decode_responses=False,
        ssl=urlsplit(url).scheme == "rediss+cluster",
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        **_credentials(url),
    )


def is_cluster(redis: Redis) -> bool:
    return isinstance(redis, RedisCluster)


def by_slot(redis: Redis, keys: Sequence[str]) -> list[list[int]]:
    """Positions of `keys` grouped by cluster slot (one group for a single node).

    A command or script over several keys may only touch keys of one slot on a cluster.
    """
    if not keys:
        return []
    if not isinstance(redis, RedisCluster):
        return [list(range(len(keys)))]
    groups: dict[int, list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(redis.keyslot(key), []).append(i)
    return list(groups.values())


async def ping(redis: Redis) -> None:
    await redis.ping()
