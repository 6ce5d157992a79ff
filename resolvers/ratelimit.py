"""Per-user token buckets for write actions (likes, comments, follows, posts, uploads)."""

from __future__ import annotations

from resolvers.deps import Deps
from resolvers.errors import rate_limited
from resolvers.rates import parse_rates
from storage import jobs, ratelimit

# What a client refused for backpressure is told to wait: about how long the workers take to
# work a deep queue down by a good part (they do tens of jobs a second).
QUEUE_RETRY_SECONDS = 30


async def spend(deps: Deps, user_id: int, action: str) -> None:
    """Take one token for `action`, or answer RATE_LIMITED with a retry hint."""
    rate = parse_rates(deps.settings.rate_limits).get(action)
    if rate is None:
        return
    retry_ms = await ratelimit.take_token(
        deps.redis, action, user_id, capacity=rate.count, per_second=rate.per_second
    )
    if retry_ms > 0:
        raise rate_limited(max(1, -(-retry_ms // 1000)))


async def check_queue(deps: Deps) -> None:
    """Backpressure: while more jobs wait than SNAPFEED_MAX_QUEUE_DEPTH, new media work
    (uploads and posts, each queueing processing) answers RATE_LIMITED instead of letting
    the queue grow without bound. Checked before a token is spent."""
    limit = deps.settings.max_queue_depth
    if limit > 0 and await jobs.queue_depth(deps.jobs) > limit:
        raise rate_limited(QUEUE_RETRY_SECONDS)
