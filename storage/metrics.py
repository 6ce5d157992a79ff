"""Every Prometheus metric Snapfeed exports, defined once; any layer may observe them."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, TypeVar

from prometheus_client import Counter, Gauge, Histogram

REQUEST_SECONDS = Histogram(
    "snapfeed_graphql_request_seconds",
    "GraphQL operation latency",
    ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
ERRORS = Counter("snapfeed_graphql_errors_total", "GraphQL errors by code", ["code"])
QUEUE_DEPTH = Gauge("snapfeed_job_queue_depth", "Jobs waiting in the arq queue")
JOB_SECONDS = Histogram(
    "snapfeed_job_seconds",
    "Background job duration",
    ["job", "outcome"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
FANOUT_BATCH = Histogram(
    "snapfeed_fanout_batch_size",
    "Followers reached per fan-out batch",
    buckets=(1, 10, 50, 100, 250, 500, 1000),
)
FEED_CACHE = Counter("snapfeed_feed_cache_reads_total", "Feed cache reads", ["result"])

T = TypeVar("T")


def timed_job(job: Callable[..., Awaitable[T]], name: str) -> Callable[..., Awaitable[T]]:
    @wraps(job)
    async def run(*args: Any, **kwargs: Any) -> T:
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await job(*args, **kwargs)
            outcome = "ok"
            return result
        finally:
            JOB_SECONDS.labels(job=name, outcome=outcome).observe(time.perf_counter() - started)

    return run
