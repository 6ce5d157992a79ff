"""Per-request DataLoaders: a fresh set for every operation."""

from __future__ import annotations

from functools import cached_property

from dataloaders.engagement import CommentByIdLoader, CommentPageByPostIdLoader
from dataloaders.moderation import ReportByIdLoader
from dataloaders.posts import MediaByIdLoader, PostCardByIdLoader
from dataloaders.stories import StoryByIdLoader, StorySeenByIdLoader
from dataloaders.users import RelationByUserIdLoader, UserByIdLoader, UserByUsernameLoader
from resolvers.deps import Deps


class Loaders:
    """Each loader is made when first used: most operations use one or two of them, and
    every request (`{ __typename }` too) builds a set."""

    def __init__(self, deps: Deps, viewer_id: int | None) -> None:
        self._deps = deps
        self._viewer_id = viewer_id

    @cached_property
    def user_by_id(self) -> UserByIdLoader:
        return UserByIdLoader(self._deps)

    @cached_property
    def user_by_username(self) -> UserByUsernameLoader:
        # Users found by name prime the by-id and relation loaders.
        return UserByUsernameLoader(self._deps, self.user_by_id, self.relation_by_user_id)

    @cached_property
    def relation_by_user_id(self) -> RelationByUserIdLoader:
        return RelationByUserIdLoader(self._deps, self._viewer_id)

    @cached_property
    def post_card_by_id(self) -> PostCardByIdLoader:
        return PostCardByIdLoader(self._deps, self._viewer_id)

    @cached_property
    def media_by_id(self) -> MediaByIdLoader:
        return MediaByIdLoader(self._deps)

    @cached_property
    def comment_by_id(self) -> CommentByIdLoader:
        return CommentByIdLoader(self._deps)

    @cached_property
    def comment_page_by_post_id(self) -> CommentPageByPostIdLoader:
        # The comments' authors prime the by-id loader.
        return CommentPageByPostIdLoader(self._deps, self._viewer_id, self.user_by_id)

    @cached_property
    def story_by_id(self) -> StoryByIdLoader:
        return StoryByIdLoader(self._deps)

    @cached_property
    def story_seen_by_id(self) -> StorySeenByIdLoader:
        return StorySeenByIdLoader(self._deps, self._viewer_id)

    @cached_property
    def report_by_id(self) -> ReportByIdLoader:
        return ReportByIdLoader(self._deps)


def build_loaders(deps: Deps, viewer_id: int | None) -> Loaders:
    return Loaders(deps, viewer_id)
