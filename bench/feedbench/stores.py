"""`--store cassandra`: the PostgreSQL and Cassandra feed stores side by side, same rows.

After the seed, an embedded Cassandra node (server/embedded_cassandra.py, full JIT, 1 GiB
heap) gets a copy of every seeded `feed_items` row. Then, for each store in turn (swapped
into the same `Deps`, as SNAPFEED_FEED_STORE would choose it):

- fan-out: `fanout_post` of one post to FANOUT_FOLLOWERS active followers (caches not
  built, as for followers who have not read lately), and the bare `push` of as many rows;
- page reads: `resolvers.feed.read.feed_ids` for a first page of 20 with the viewer's Redis
  feed cache dropped (miss: the store's newest 800, then the cache is rebuilt) and built
  (hit: the store is not read), and `page(before=..., limit=21)` straight on the store (a
  page past the cache);
- unfollow purge: `remove_author` of each viewer's most frequent author, then a miss read
  again (Cassandra now steps over the purge's tombstones); run before the fan-out, while
  both stores hold exactly the same rows.

Reads alternate between the stores viewer by viewer, so drift of the shared machine hits
both alike. CPU seconds of PostgreSQL and of the Cassandra JVM come from /proc.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from resolvers.deps import Deps
from resolvers.feed.read import feed_ids
from server.cassandra_conf import Tuning
from server.embedded_cassandra import EmbeddedCassandra
from storage.feeds.base import FeedEntry, FeedStore
from storage.feeds.open import open_feed_store
from workers.fanout import fanout_post

from .config import ACTIVE_DAYS, FANOUT_FOLLOWERS, FANOUT_THRESHOLD
from .console import Progress, log
from .deps import settings_as
from .fanout import add_followers, create_author, publish
from .meters import CpuMeter, _proc_stat, percentile

COPY_CHUNK = 20_000
PAGE = 21  # a first page of 20 plus the one that tells whether there is a next


@dataclass
class StoreFigures:
    store: str
    fanout_s: float = 0.0
    fanout_rows_per_s: float = 0.0
    push_rows_per_s: float = 0.0
    fanout_cpu_ms: float = 0.0  # the store's own CPU per fan-out (PostgreSQL or the JVM)
    miss_p50_ms: float = 0.0
    miss_p95_ms: float = 0.0
    hit_p50_ms: float = 0.0
    hit_p95_ms: float = 0.0
    deep_p50_ms: float = 0.0
    deep_p95_ms: float = 0.0
    purge_p50_ms: float = 0.0
    purge_p95_ms: float = 0.0
    purged_rows: float = 0.0
    miss_after_purge_p50_ms: float = 0.0
    miss_after_purge_p95_ms: float = 0.0
    read_cpu_ms: float = 0.0  # the store's own CPU per miss read
    extra: dict[str, Any] = field(default_factory=dict)


class StoreCpu:
    """CPU seconds of one store's server: PostgreSQL's processes, or the Cassandra JVM."""

    def __init__(self, cpu: CpuMeter, jvm_pid: int | None) -> None:
        self.cpu, self.jvm_pid = cpu, jvm_pid

    def seconds(self, store: str) -> float:
        if store == "postgres":
            return self.cpu.snapshot().get("postgres", 0.0)
        info = _proc_stat(self.jvm_pid) if self.jvm_pid else None
        return info[2] if info else 0.0


async def timed(work: Awaitable[Any]) -> float:
    """Milliseconds to await `work` (a coroutine does nothing until awaited)."""
    start = time.perf_counter()
    await work
    return (time.perf_counter() - start) * 1000


async def copy_feeds(deps: Deps, target: FeedStore) -> tuple[int, float]:
    """Every seeded PostgreSQL feed row pushed into `target`; (rows, seconds)."""
    total = await deps.db.fetchval("SELECT count(*) FROM feed_items")
    bar = Progress("copy feed_items to Cassandra", total)
    start = time.perf_counter()
    copied, after = 0, (-1, -1)
    while True:
        rows = await deps.db.fetch(
            "SELECT user_id, post_id, author_id FROM feed_items"
            " WHERE (user_id, post_id) > ($1, $2) ORDER BY user_id, post_id LIMIT $3",
            *after,
            COPY_CHUNK,
        )
        if not rows:
            break
        await target.push([FeedEntry(r["user_id"], r["post_id"], r["author_id"]) for r in rows])
        copied += len(rows)
        after = (rows[-1]["user_id"], rows[-1]["post_id"])
        bar.advance(len(rows))
    bar.close()
    return copied, time.perf_counter() - start


async def fanout_author(deps: Deps, rnd: random.Random) -> tuple[int, list[int]]:
    """An author with exactly FANOUT_FOLLOWERS active followers (under the threshold)."""
    candidates = [
        r["id"]
        for r in await deps.db.fetch(
            "SELECT id FROM users WHERE last_active_at >= now() - make_interval(days => $1)"
            " ORDER BY id",
            ACTIVE_DAYS - 1,
        )
    ]
    if len(candidates) < FANOUT_FOLLOWERS:  # small scales: add plain active users
        extra = await deps.db.fetch(
            "INSERT INTO users (username, password_hash)"
            " SELECT 'sfan' || lpad(g::text, 6, '0'), '!' FROM generate_series(1, $1) g"
            " RETURNING id",
            FANOUT_FOLLOWERS - len(candidates),
        )
        candidates += [r["id"] for r in extra]
    author = await create_author(deps.db, f"stores_{rnd.randrange(10**9)}")
    followers = sorted(rnd.sample(candidates, FANOUT_FOLLOWERS))
    await add_followers(deps.db, author, followers)
    return author, followers


async def bench_fanout_stores(
    deps: Deps, stores: dict[str, FeedStore], cpu: StoreCpu, rnd: random.Random, runs: int
) -> dict[str, dict[str, float]]:
    author, followers = await fanout_author(deps, rnd)
    await deps.feed_cache.drop_feeds(followers)
    out: dict[str, dict[str, float]] = {}
    with settings_as(deps, celebrity_followers=FANOUT_THRESHOLD):
        for name, store in stores.items():
            deps.feeds = store
            times, cpu_used = [], []
            for i in range(runs):
                post_id = await publish(deps.db, author, f"store bench {name} #{i}")
                before = cpu.seconds(name)
                start = time.perf_counter()
                result = await fanout_post({"deps": deps}, post_id)
                times.append(time.perf_counter() - start)
                cpu_used.append(cpu.seconds(name) - before)
                assert result["followers_reached"] == FANOUT_FOLLOWERS, result
            sample = rnd.sample(followers, 50)
            seen = [post_id in await store.page(u, before=None, limit=5) for u in sample]
            assert all(seen), f"{name}: fan-out rows missing"
            pushes = []
            for i in range(runs):
                fake = (1 << 62) + i  # ids no seeded post has, newest of all
                entries = [FeedEntry(u, fake, author) for u in followers]
                start = time.perf_counter()
                await store.push(entries)
                pushes.append(time.perf_counter() - start)
                await store.remove_post(fake, followers)
            median = statistics.median(times)
            out[name] = {
                "fanout_s": median,
                "fanout_rows_per_s": (FANOUT_FOLLOWERS + 1) / median,
                "push_rows_per_s": FANOUT_FOLLOWERS / statistics.median(pushes),
                "fanout_cpu_ms": 1000 * statistics.median(cpu_used),
            }
            log(f"fan-out on {name}: {out[name]}")
    return out


async def bench_reads_stores(
    deps: Deps, stores: dict[str, FeedStore], viewers: Sequence[int], cpu: StoreCpu
) -> tuple[dict[str, dict[str, list[float]]], dict[str, float]]:
    """Latencies (ms) per store and kind: miss, hit, deep; and store CPU ms per miss."""
    lat: dict[str, dict[str, list[float]]] = {
        n: {"miss": [], "hit": [], "deep": []} for n in stores
    }
    cpu_ms = dict.fromkeys(stores, 0.0)
    bar = Progress("page reads", len(viewers))
    for viewer in viewers:
        for name, store in stores.items():
            deps.feeds = store
            await deps.feed_cache.drop_feeds([viewer])
            before = cpu.seconds(name)
            lat[name]["miss"].append(
                await timed(feed_ids(deps, viewer, stale=False, before=None, limit=PAGE))
            )
            cpu_ms[name] += 1000 * (cpu.seconds(name) - before)
            lat[name]["hit"].append(
                await timed(feed_ids(deps, viewer, stale=False, before=None, limit=PAGE))
            )
            ids = await store.page(viewer, before=None, limit=1000)
            cursor = ids[len(ids) // 2] if ids else None
            lat[name]["deep"].append(await timed(store.page(viewer, before=cursor, limit=PAGE)))
        bar.advance(1)
    bar.close()
    return lat, {n: v / max(1, len(viewers)) for n, v in cpu_ms.items()}


async def bench_purges(
    deps: Deps, stores: dict[str, FeedStore], viewers: Sequence[int]
) -> dict[str, dict[str, list[float]]]:
    """Each viewer unfollows (in the store only) the author most frequent in their feed."""
    rows = await deps.db.fetch(
        """
        SELECT DISTINCT ON (user_id) user_id, author_id, count(*) AS n FROM feed_items
        WHERE user_id = ANY($1::bigint[]) AND author_id <> user_id
        GROUP BY user_id, author_id ORDER BY user_id, n DESC
        """,
        list(viewers),
    )
    pairs = [(r["user_id"], r["author_id"], r["n"]) for r in rows]
    out: dict[str, dict[str, list[float]]] = {
        n: {"purge": [], "rows": [], "miss_after": []} for n in stores
    }
    for viewer, author, count in pairs:
        for name, store in stores.items():
            deps.feeds = store
            out[name]["purge"].append(await timed(store.remove_author(viewer, author)))
            out[name]["rows"].append(float(count))
            await deps.feed_cache.drop_feeds([viewer])
            out[name]["miss_after"].append(
                await timed(feed_ids(deps, viewer, stale=False, before=None, limit=PAGE))
            )
    return out


async def bench_stores(
    deps: Deps, data_dir: Path, viewers: Sequence[int], cpu_meter: CpuMeter, seed: int, runs: int
) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    postgres_store = deps.feeds
    node = EmbeddedCassandra(data_dir / "cassandra", tuning=Tuning(heap_mb=1024, quick_jit=False))
    node.start()
    cassandra_store = await open_feed_store(
        backend="cassandra",
        db=deps.db,
        cassandra_hosts=node.hosts,
        cassandra_keyspace="snapfeed_bench",
    )
    stores = {"postgres": postgres_store, "cassandra": cassandra_store}
    cpu = StoreCpu(cpu_meter, node.pid)
    figures = {name: StoreFigures(name) for name in stores}
    try:
        copied, seconds = await copy_feeds(deps, cassandra_store)
        figures["cassandra"].extra["copy"] = {"rows": copied, "rows_per_s": copied / seconds}
        log(f"copied {copied} rows in {seconds:.1f}s")
        lat, read_cpu = await bench_reads_stores(deps, stores, viewers, cpu)
        # Purges before fan-out: until then both stores hold exactly the same rows.
        purges = await bench_purges(deps, stores, viewers)
        fan = await bench_fanout_stores(deps, stores, cpu, rnd, runs)
        for name, fig in figures.items():
            for key, value in fan[name].items():
                setattr(fig, key, value)
            for kind in ("miss", "hit", "deep"):
                setattr(fig, f"{kind}_p50_ms", percentile(lat[name][kind], 50))
                setattr(fig, f"{kind}_p95_ms", percentile(lat[name][kind], 95))
            fig.read_cpu_ms = read_cpu[name]
            fig.purge_p50_ms = percentile(purges[name]["purge"], 50)
            fig.purge_p95_ms = percentile(purges[name]["purge"], 95)
            fig.purged_rows = statistics.fmean(purges[name]["rows"] or [0.0])
            fig.miss_after_purge_p50_ms = percentile(purges[name]["miss_after"], 50)
            fig.miss_after_purge_p95_ms = percentile(purges[name]["miss_after"], 95)
    finally:
        deps.feeds = postgres_store
        await cassandra_store.close()
        node.stop()
    return [fig.__dict__ for fig in figures.values()]
