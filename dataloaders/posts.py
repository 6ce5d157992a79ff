"""Posts and their media, batched per request."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from resolvers.deps import Deps
from storage import media, posts
from storage.media import MediaRow
from storage.posts import PostRow


class PostByIdLoader(DataLoader[int, PostRow | None]):
    def __init__(self, deps: Deps) -> None:
        async def load(ids: Sequence[int]) -> list[PostRow | None]:
            found = {row.id: row for row in await posts.by_ids(deps.db, list(ids))}
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)


class MediaByPostIdLoader(DataLoader[int, list[MediaRow]]):
    """A post's media in carousel order; a post without media (or unknown) gives []."""

    def __init__(self, deps: Deps) -> None:
        async def load(post_ids: Sequence[int]) -> list[list[MediaRow]]:
            grouped: dict[int, list[MediaRow]] = defaultdict(list)
            for row in await media.by_post_ids(deps.db, list(post_ids)):
                assert row.post_id is not None
                grouped[row.post_id].append(row)
            return [grouped.get(i, []) for i in post_ids]

        super().__init__(load_fn=load)


class MediaByIdLoader(DataLoader[int, MediaRow | None]):
    def __init__(self, deps: Deps) -> None:
        async def load(ids: Sequence[int]) -> list[MediaRow | None]:
            found = {row.id: row for row in await media.by_ids(deps.db, list(ids))}
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)
