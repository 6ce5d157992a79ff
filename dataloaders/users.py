"""Users and the viewer's relation to them, batched per request."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from dataloaders.known import KnownValuesLoader
from resolvers.deps import Deps
from storage import users, visibility
from storage.users import UserRow
from storage.visibility import Relation


class UserByIdLoader(KnownValuesLoader[int, UserRow | None]):
    def __init__(self, deps: Deps) -> None:
        async def load(ids: Sequence[int]) -> list[UserRow | None]:
            found = {row.id: row for row in await users.by_ids(deps.db, list(ids))}
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)


class UserByUsernameLoader(DataLoader[str, UserRow | None]):
    """Users found by name prime the by-id loader and, for a signed-in viewer, the relation
    loader: the same query reads the viewer's relation to them, which showing a profile
    (or any list it owns) asks next."""

    def __init__(
        self, deps: Deps, by_id: UserByIdLoader, relations: RelationByUserIdLoader
    ) -> None:
        viewer_id = relations.viewer_id

        async def load(names: Sequence[str]) -> list[UserRow | None]:
            if viewer_id is None:
                rows = await users.by_usernames(deps.db, list(names))
            else:
                pairs = await users.by_usernames_with_relations(deps.db, viewer_id, list(names))
                for row, relation in pairs:
                    relations.prime(row.id, relation)
                rows = [row for row, _ in pairs]
            found = {row.username: row for row in rows}
            for row in rows:
                by_id.prime(row.id, row)
            return [found.get(name.lower()) for name in names]

        super().__init__(load_fn=load)


class RelationByUserIdLoader(KnownValuesLoader[int, Relation]):
    """The viewer's relation to each user (follow state, blocks, mute, the viewer's moderator
    flag), for the visibility policy; ask through `of(row)`."""

    def __init__(self, deps: Deps, viewer_id: int | None) -> None:
        self.viewer_id = viewer_id

        async def load(ids: Sequence[int]) -> list[Relation]:
            if viewer_id is None:  # `of` answers anonymous viewers without loading
                return [visibility.anonymous(i) for i in ids]
            found = await visibility.relations(deps.db, viewer_id, list(ids))
            return [found.get(i) or Relation(viewer_id, i) for i in ids]

        super().__init__(load_fn=load)

    async def of(self, owner: UserRow) -> Relation:
        """The viewer's relation to `owner`: no query for oneself or an anonymous viewer."""
        if self.viewer_id is None:
            return visibility.anonymous(owner.id, owner_private=owner.is_private)
        if self.viewer_id == owner.id:
            return Relation(owner.id, owner.id, owner.is_private)
        return await self.load(owner.id)
