"""Posts and their media, batched per request."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from dataloaders.known import KnownValuesLoader
from resolvers import post_cards
from resolvers.deps import Deps
from storage import media
from storage.media import MediaRow
from storage.post_cards import PostCard
from storage.visibility import Surface


class PostCardByIdLoader(KnownValuesLoader[int, PostCard | None]):
    """Whole posts for single lookups (`post`, `node`, a comment's post, live updates); None
    when missing, deleted or not visible to the viewer when looked up. Every other surface
    shows a subset of these (storage/visibility.py), so pages may tell it their cards."""

    def __init__(self, deps: Deps, viewer_id: int | None) -> None:
        async def load(ids: Sequence[int]) -> list[PostCard | None]:
            cards = await post_cards.visible(deps, viewer_id, ids, Surface.LOOKUP)
            found = {c.post.id: c for c in cards}
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)


class MediaByIdLoader(DataLoader[int, MediaRow | None]):
    def __init__(self, deps: Deps) -> None:
        async def load(ids: Sequence[int]) -> list[MediaRow | None]:
            found = {row.id: row for row in await media.by_ids(deps.db, list(ids))}
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)
