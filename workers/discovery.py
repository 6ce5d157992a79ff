"""Discovery jobs: the explore ranking, refreshed every minute or on demand."""

from __future__ import annotations

from typing import Any

from resolvers import explore
from resolvers.deps import Deps


async def refresh_explore(ctx: dict[str, Any]) -> int:
    """Rank recent public posts into a new explore snapshot; returns its version."""
    deps: Deps = ctx["deps"]
    return await explore.refresh(deps)
