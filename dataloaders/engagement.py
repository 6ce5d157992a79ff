"""Counts, the viewer's likes and comments, batched per request."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from resolvers.deps import Deps
from storage import comments, counters, likes
from storage.comments import CommentRow, PageKey
from storage.counters import PostCounts


class PostCountsByPostIdLoader(DataLoader[int, PostCounts]):
    """(likes, comments) of each post, summed from its counter shards; zeros when none."""

    def __init__(self, deps: Deps) -> None:
        async def load(post_ids: Sequence[int]) -> list[PostCounts]:
            found = await counters.totals(deps.db, list(post_ids))
            return [found.get(i, PostCounts()) for i in post_ids]

        super().__init__(load_fn=load)


class ViewerLikedByPostIdLoader(DataLoader[int, bool]):
    def __init__(self, deps: Deps, viewer_id: int | None) -> None:
        async def load(post_ids: Sequence[int]) -> list[bool]:
            if viewer_id is None:
                return [False] * len(post_ids)
            liked = await likes.liked_by(deps.db, viewer_id, list(post_ids))
            return [i in liked for i in post_ids]

        super().__init__(load_fn=load)


class CommentByIdLoader(DataLoader[int, CommentRow | None]):
    def __init__(self, deps: Deps) -> None:
        async def load(ids: Sequence[int]) -> list[CommentRow | None]:
            found = {row.id: row for row in await comments.by_ids(deps.db, list(ids))}
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)


class CommentPageByPostIdLoader(DataLoader[PageKey, list[CommentRow]]):
    """Comment pages of many posts in one query (a feed page showing a preview of each)."""

    def __init__(self, deps: Deps) -> None:
        async def load(keys: Sequence[PageKey]) -> list[list[CommentRow]]:
            return await comments.pages(deps.db, list(keys))

        super().__init__(load_fn=load)
