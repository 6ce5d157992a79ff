"""Folding likes and comments into the ranked feed's aggregates, in batches."""

from __future__ import annotations

from typing import Any

from resolvers import feed_signals


async def drain_engagements(ctx: dict[str, Any]) -> int:
    return await feed_signals.drain(ctx["deps"])
