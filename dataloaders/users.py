"""Users and the viewer's relation to them, batched per request."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from resolvers.deps import Deps
from storage import follows, users
from storage.users import UserRow


class UserByIdLoader(DataLoader[int, UserRow | None]):
    def __init__(self, deps: Deps) -> None:
        async def load(ids: Sequence[int]) -> list[UserRow | None]:
            found = {row.id: row for row in await users.by_ids(deps.db, list(ids))}
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)


class UserByUsernameLoader(DataLoader[str, UserRow | None]):
    def __init__(self, deps: Deps, by_id: UserByIdLoader) -> None:
        async def load(names: Sequence[str]) -> list[UserRow | None]:
            found = {row.username: row for row in await users.by_usernames(deps.db, list(names))}
            for row in found.values():
                by_id.prime(row.id, row)
            return [found.get(name.lower()) for name in names]

        super().__init__(load_fn=load)


class FollowStateByUserIdLoader(DataLoader[int, str | None]):
    """The viewer's follow state ('active', 'pending' or None) towards each user."""

    def __init__(self, deps: Deps, viewer_id: int | None) -> None:
        async def load(ids: Sequence[int]) -> list[str | None]:
            if viewer_id is None:
                return [None] * len(ids)
            found = await follows.states(deps.db, viewer_id, list(ids))
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)
