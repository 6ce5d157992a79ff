"""Folding likes and comments into the ranked feed's aggregates, in batches."""

from __future__ import annotations

from typing import Any

from resolvers.feed import signals


async def drain_engagements(ctx: dict[str, Any]) -> int:
    return await signals.drain(ctx["deps"])
