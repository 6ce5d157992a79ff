"""Reports, batched per request (moderators only ever see them)."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from resolvers.deps import Deps
from storage import moderation
from storage.moderation import ReportRow


class ReportByIdLoader(DataLoader[int, ReportRow | None]):
    def __init__(self, deps: Deps) -> None:
        async def load(ids: Sequence[int]) -> list[ReportRow | None]:
            found = {r.id: r for r in await moderation.reports_by_ids(deps.db, list(ids))}
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)
