"""Hooks that keep the ranked feed's aggregates (storage/feed_signals.py) up to date."""

from __future__ import annotations

import logging
from datetime import timedelta

from resolvers.deps import Deps
from resolvers.feed.rank import WINDOW_DAYS
from storage import counters, feed_signals, jobs
from storage.feed_signals import Engagement

logger = logging.getLogger("snapfeed.feed.signals")

DRAIN_BATCH = 500


async def engaged(
    deps: Deps, user_id: int, post_id: int, *, likes: int = 0, comments: int = 0
) -> None:
    """A like (+1), unlike (-1), comment (+1) or deleted comment (-1) that really changed
    something: queued for the drain job, which is queued too unless it already is."""
    if await feed_signals.queue(deps.redis, Engagement(user_id, post_id, likes, comments)):
        await jobs.enqueue(deps.jobs, jobs.DRAIN_ENGAGEMENTS, job_id=jobs.DRAIN_ENGAGEMENTS)


async def drain(deps: Deps) -> int:
    """Fold every queued event into the aggregates, a batch at a time; returns how many.
    The posts' counter shards are compacted on the way (storage/counters.compact): the
    drain is where the posts that got likes and comments are known.

    At most once: a batch taken by a worker that dies is lost, which only weakens a few
    signals for a while.
    """
    await feed_signals.drain_started(deps.redis)
    done = 0
    while events := await feed_signals.take(deps.redis, DRAIN_BATCH):
        now = deps.clock()
        await feed_signals.fold(deps.db, events)
        pairs = await feed_signals.follower_pairs(
            deps.db,
            events,
            celebrity_followers=deps.settings.celebrity_followers,
            active_since=now - timedelta(days=deps.settings.active_days),
        )
        await feed_signals.add_followee_engagement(
            deps.redis, pairs, now_ms=int(now.timestamp() * 1000), window_days=WINDOW_DAYS
        )
        # Last: the batch's signals are in before anything else can fail.
        await counters.compact(deps.db, [e.post_id for e in events])
        done += len(events)
    if done:
        logger.debug("folded %d engagement events", done)
    return done
