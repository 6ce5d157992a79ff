"""The like statement alone, with and without its notification event, and the fold's rate.

Without HTTP, GraphQL or the API process in the way (bench/notifications.py measures those
end to end): `connections` tasks, each on its own PostgreSQL connection and its own users,
toggle likes on one post through storage/likes.py for a few seconds, while a folder drains
the outbox every second as the worker's cron does. Then a backlog of like events on one
post is folded and timed.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from dataclasses import dataclass
from typing import Any

from feedbench.meters import CpuMeter

from resolvers.deps import Deps
from storage import likes
from storage.postgres import open_pool
from workers.notifications import fold


@dataclass
class StatementRun:
    notify: bool
    statements: int
    seconds: float
    p50_ms: float
    p99_ms: float
    pg_cpu_ms: float  # PostgreSQL CPU per statement, the fold's included

    @property
    def per_second(self) -> float:
        return self.statements / self.seconds


async def toggle_likes(
    deps: Deps,
    meter: CpuMeter,
    post_id: int,
    author_id: int,
    users: list[int],
    *,
    connections: int,
    seconds: float,
    notify: bool,
) -> StatementRun:
    assert deps.settings.database_url
    pool = await open_pool(deps.settings.database_url, min_size=connections, max_size=connections)
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    folding = asyncio.create_task(_fold_every_second(deps)) if notify else None

    async def toggler(mine: list[int]) -> None:
        i = 0
        async with pool.acquire() as conn:
            while time.monotonic() < deadline:
                user = mine[i % len(mine)]
                liking = (i // len(mine)) % 2 == 0
                told = author_id if notify else None
                start = time.perf_counter()
                if liking:
                    await likes.insert(conn, post_id, user, notify=told)
                else:
                    await likes.delete(conn, post_id, user, notify=told)
                latencies.append(time.perf_counter() - start)
                i += 1

    began = time.monotonic()
    before = meter.snapshot()
    try:
        await asyncio.gather(*(toggler(users[k::connections]) for k in range(connections)))
        elapsed = time.monotonic() - began
        if folding is not None:
            folding.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await folding
            await fold(deps)  # what is left, as the next cron run would
        used = CpuMeter.delta(before, meter.snapshot())
    finally:
        if folding is not None:
            folding.cancel()
        await pool.close()
    cut = statistics.quantiles(latencies, n=100)
    pg_ms = used.get("postgres", 0.0) / len(latencies) * 1000
    return StatementRun(notify, len(latencies), elapsed, cut[49] * 1000, cut[98] * 1000, pg_ms)


async def _fold_every_second(deps: Deps) -> None:
    while True:
        await fold(deps)
        await asyncio.sleep(1)


async def fold_rate(deps: Deps, post_id: int, author_id: int, users: list[int]) -> dict[str, Any]:
    """Every user likes the post (events only, nothing folded), then the fold drains them."""
    for user in users:
        await likes.insert(deps.db, post_id, user, notify=author_id)
    backlog = int(await deps.db.fetchval("SELECT count(*) FROM notification_events"))
    start = time.perf_counter()
    folded = 0
    while done := await fold(deps):
        folded += done
    seconds = time.perf_counter() - start
    rows = await deps.db.fetch("SELECT actor_count FROM notifications WHERE kind = 'like'")
    return {
        "events": backlog,
        "folded": folded,
        "seconds": seconds,
        "events_per_second": folded / seconds if seconds else 0.0,
        "notifications": len(rows),
        "actor_count": sum(r["actor_count"] for r in rows),
    }
