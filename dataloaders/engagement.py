"""Comments, batched per request."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from dataloaders.users import UserByIdLoader
from resolvers.deps import Deps
from storage import comments
from storage.comments import AuthoredComment, CommentRow, PageKey


class CommentByIdLoader(DataLoader[int, CommentRow | None]):
    def __init__(self, deps: Deps) -> None:
        async def load(ids: Sequence[int]) -> list[CommentRow | None]:
            found = {row.id: row for row in await comments.by_ids(deps.db, list(ids))}
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)


class CommentPageByPostIdLoader(DataLoader[PageKey, list[AuthoredComment]]):
    """Comment pages of many posts in one query (a feed page showing a preview of each), as
    the viewer may see them, each comment with its author; `users` is told the authors."""

    def __init__(self, deps: Deps, viewer_id: int | None, users: UserByIdLoader) -> None:
        async def load(keys: Sequence[PageKey]) -> list[list[AuthoredComment]]:
            found = await comments.pages(deps.db, list(keys), viewer_id)
            users.know({author.id: author for page in found for _, author in page})
            return found

        super().__init__(load_fn=load)
