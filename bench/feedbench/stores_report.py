"""The report of a `--store cassandra` run: the two feed stores on the same seeded rows."""

from __future__ import annotations

from typing import Any

from .config import FANOUT_FOLLOWERS
from .table import table

WRITE_COLUMNS = [
    ("store", "store"),
    ("fan-out s", "fanout_s"),
    ("fan-out rows/s", "fanout_rows_per_s"),
    ("push rows/s", "push_rows_per_s"),
    ("store CPU ms/fan-out", "fanout_cpu_ms"),
]
READ_COLUMNS = [
    ("store", "store"),
    ("miss p50", "miss_p50_ms"),
    ("miss p95", "miss_p95_ms"),
    ("hit p50", "hit_p50_ms"),
    ("hit p95", "hit_p95_ms"),
    ("past cache p50", "deep_p50_ms"),
    ("past cache p95", "deep_p95_ms"),
    ("store CPU ms/miss", "read_cpu_ms"),
]
PURGE_COLUMNS = [
    ("store", "store"),
    ("rows purged (mean)", "purged_rows"),
    ("purge p50 ms", "purge_p50_ms"),
    ("purge p95 ms", "purge_p95_ms"),
    ("miss after purge p50", "miss_after_purge_p50_ms"),
    ("miss after purge p95", "miss_after_purge_p95_ms"),
]


def stores_report(results: dict[str, Any]) -> str:
    plan, seeded, stores = results["plan"], results["seed"], results["stores"]
    copy = next((s["extra"].get("copy") for s in stores if s["extra"].get("copy")), None)
    copied = (
        f"; copied to Cassandra at {copy['rows_per_s']:,.0f} rows/s" if copy is not None else ""
    )
    return "\n".join(
        [
            f"# Snapfeed feed stores: PostgreSQL and Cassandra, scale {plan['scale']}",
            f"# {results['environment']}",
            "",
            f"Seed: {seeded['users']:,} users, {seeded['follows']:,} follows,"
            f" {seeded['posts']:,} posts, {seeded['feed_items']:,} feed rows{copied};"
            f" {seeded['viewers']} viewers with {seeded['viewers_mean_feed_rows']:.0f}"
            " feed rows on average.",
            "",
            f"## Writes: fanout_post to {FANOUT_FOLLOWERS:,} followers (median of runs), bare push",
            table(stores, WRITE_COLUMNS),
            "",
            "## Reads (ms): feed_ids for a first page, Redis feed cache dropped (miss) or built"
            " (hit); store.page past the cache",
            table(stores, READ_COLUMNS),
            "",
            "## Unfollow purge: remove_author of each viewer's most frequent author",
            table(stores, PURGE_COLUMNS),
            "",
            "- One Cassandra node (RF 1, 1 GiB heap, full JIT) and PostgreSQL 16 share 2 cores"
            " with this process and Valkey; latencies include that contention.",
            "- Reads alternate between the stores viewer by viewer; CPU is each store's server"
            " processes only (PostgreSQL backends, the Cassandra JVM), from /proc.",
        ]
    )
