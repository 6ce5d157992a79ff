"""Per-request DataLoaders: build a fresh set for every operation."""

from __future__ import annotations

from dataclasses import dataclass

from dataloaders.users import FollowStateByUserIdLoader, UserByIdLoader, UserByUsernameLoader
from resolvers.deps import Deps


@dataclass(frozen=True)
class Loaders:
    user_by_id: UserByIdLoader
    user_by_username: UserByUsernameLoader
    follow_state_by_user_id: FollowStateByUserIdLoader


def build_loaders(deps: Deps, viewer_id: int | None) -> Loaders:
    user_by_id = UserByIdLoader(deps)
    return Loaders(
        user_by_id=user_by_id,
        user_by_username=UserByUsernameLoader(deps, user_by_id),
        follow_state_by_user_id=FollowStateByUserIdLoader(deps, viewer_id),
    )
