"""Per-request DataLoaders: build a fresh set for every operation."""

from __future__ import annotations

from dataclasses import dataclass

from dataloaders.engagement import CommentByIdLoader, CommentPageByPostIdLoader
from dataloaders.moderation import ReportByIdLoader
from dataloaders.posts import MediaByIdLoader, PostCardByIdLoader
from dataloaders.stories import StoryByIdLoader, StorySeenByIdLoader
from dataloaders.users import RelationByUserIdLoader, UserByIdLoader, UserByUsernameLoader
from resolvers.deps import Deps


@dataclass(frozen=True)
class Loaders:
    user_by_id: UserByIdLoader
    user_by_username: UserByUsernameLoader
    relation_by_user_id: RelationByUserIdLoader
    post_card_by_id: PostCardByIdLoader
    media_by_id: MediaByIdLoader
    comment_by_id: CommentByIdLoader
    comment_page_by_post_id: CommentPageByPostIdLoader
    story_by_id: StoryByIdLoader
    story_seen_by_id: StorySeenByIdLoader
    report_by_id: ReportByIdLoader


def build_loaders(deps: Deps, viewer_id: int | None) -> Loaders:
    user_by_id = UserByIdLoader(deps)
    return Loaders(
        user_by_id=user_by_id,
        user_by_username=UserByUsernameLoader(deps, user_by_id),
        relation_by_user_id=RelationByUserIdLoader(deps, viewer_id),
        post_card_by_id=PostCardByIdLoader(deps, viewer_id),
        media_by_id=MediaByIdLoader(deps),
        comment_by_id=CommentByIdLoader(deps),
        comment_page_by_post_id=CommentPageByPostIdLoader(deps, viewer_id),
        story_by_id=StoryByIdLoader(deps),
        story_seen_by_id=StorySeenByIdLoader(deps, viewer_id),
        report_by_id=ReportByIdLoader(deps),
    )
