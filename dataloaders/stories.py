"""Stories and whether the viewer has seen them, batched per request."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from resolvers.deps import Deps
from storage import stories
from storage.stories import StoryRow


class StoryByIdLoader(DataLoader[int, StoryRow | None]):
    """Expired stories load too: visibility (expiry included) is the caller's check."""

    def __init__(self, deps: Deps) -> None:
        async def load(ids: Sequence[int]) -> list[StoryRow | None]:
            found = {row.id: row for row in await stories.by_ids(deps.db, list(ids))}
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)


class StorySeenByIdLoader(DataLoader[int, bool]):
    """Has the viewer seen each story; always False for an anonymous viewer."""

    def __init__(self, deps: Deps, viewer_id: int | None) -> None:
        async def load(ids: Sequence[int]) -> list[bool]:
            if viewer_id is None:
                return [False] * len(ids)
            seen = await stories.seen(deps.db, viewer_id, list(ids))
            return [i in seen for i in ids]

        super().__init__(load_fn=load)
