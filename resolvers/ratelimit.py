"""Per-user token buckets for write actions (likes, comments, follows, posts, uploads)."""

from __future__ import annotations

from resolvers.deps import Deps
from resolvers.errors import rate_limited
from resolvers.rates import parse_rates
from storage import ratelimit


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
