"""Notification jobs: fold the outbox into notifications (every second), prune old ones."""

from __future__ import annotations

import logging
import time
from typing import Any

from resolvers import live
from resolvers.deps import Deps
from resolvers.folding import dedupe, plan
from storage import notification_facts, notification_folding, notifications

logger = logging.getLogger("snapfeed.workers.notifications")

FOLD_BATCH = 1000
# One run folds batches for at most this long, then leaves the rest to the next run.
FOLD_SECONDS = 5.0


async def fold_notifications(ctx: dict[str, Any]) -> int:
    deps: Deps = ctx["deps"]
    return await fold(deps)


async def fold(deps: Deps, *, batch: int = FOLD_BATCH) -> int:
    """Fold the outbox, batch by batch; how many events were folded. Another folder at work
    (another worker's run) makes this one return at once."""
    folded = 0
    deadline = time.monotonic() + FOLD_SECONDS
    while True:
        done = await fold_batch(deps, batch)
        if done is None:
            return folded
        count, changed = done
        folded += count
        await live.notifications_folded(deps, changed)
        if count < batch or time.monotonic() > deadline:
            return folded


async def fold_batch(deps: Deps, batch: int) -> tuple[int, list[tuple[int, int]]] | None:
    """One batch in one transaction: events out of the outbox and notifications changed
    together, or neither. None when another folder holds the lock."""
    async with deps.db.acquire() as conn, conn.transaction():
        if not await notification_folding.lock(conn):
            return None
        events = await notification_folding.claim(conn, batch)
        if not events:
            return 0, []
        changes = plan(events, await notification_facts.facts(conn, events))
        await notification_folding.remove(conn, changes.removes)
        await notification_folding.repoint(conn, changes.repoints)
        await notification_folding.untell(conn, changes.untells)
        present = await notification_folding.already_in(conn, changes.adds)
        adds = dedupe(changes.adds, present)
        changed = await notification_folding.add(conn, adds, changes.tells)
    return len(events), changed


async def prune_notifications(ctx: dict[str, Any]) -> int:
    """Retention (SNAPFEED_NOTIFICATION_KEEP, SNAPFEED_NOTIFICATION_DAYS), between folds."""
    deps: Deps = ctx["deps"]
    async with deps.db.acquire() as conn, conn.transaction():
        await notification_folding.lock(conn, wait=True)
        pruned = await notifications.prune(
            conn, keep=deps.settings.notification_keep, days=deps.settings.notification_days
        )
    if pruned:
        logger.info("pruned %d notification(s)", pruned)
    return pruned
