"""Per-request DataLoaders: build a fresh set for every operation."""

from __future__ import annotations

from dataclasses import dataclass

from dataloaders.engagement import (
    CommentByIdLoader,
    CommentPageByPostIdLoader,
    PostCountsByPostIdLoader,
    ViewerLikedByPostIdLoader,
)
from dataloaders.posts import MediaByIdLoader, MediaByPostIdLoader, PostByIdLoader
from dataloaders.stories import StoryByIdLoader, StorySeenByIdLoader
from dataloaders.users import FollowStateByUserIdLoader, UserByIdLoader, UserByUsernameLoader
from resolvers.deps import Deps


@dataclass(frozen=True)
class Loaders:
    user_by_id: UserByIdLoader
    user_by_username: UserByUsernameLoader
    follow_state_by_user_id: FollowStateByUserIdLoader
    post_by_id: PostByIdLoader
    media_by_post_id: MediaByPostIdLoader
    media_by_id: MediaByIdLoader
    post_counts_by_post_id: PostCountsByPostIdLoader
    viewer_liked_by_post_id: ViewerLikedByPostIdLoader
    comment_by_id: CommentByIdLoader
    comment_page_by_post_id: CommentPageByPostIdLoader
    story_by_id: StoryByIdLoader
    story_seen_by_id: StorySeenByIdLoader


def build_loaders(deps: Deps, viewer_id: int | None) -> Loaders:
    user_by_id = UserByIdLoader(deps)
    return Loaders(
        user_by_id=user_by_id,
        user_by_username=UserByUsernameLoader(deps, user_by_id),
        follow_state_by_user_id=FollowStateByUserIdLoader(deps, viewer_id),
        post_by_id=PostByIdLoader(deps),
        media_by_post_id=MediaByPostIdLoader(deps),
        media_by_id=MediaByIdLoader(deps),
        post_counts_by_post_id=PostCountsByPostIdLoader(deps),
        viewer_liked_by_post_id=ViewerLikedByPostIdLoader(deps, viewer_id),
        comment_by_id=CommentByIdLoader(deps),
        comment_page_by_post_id=CommentPageByPostIdLoader(deps),
        story_by_id=StoryByIdLoader(deps),
        story_seen_by_id=StorySeenByIdLoader(deps, viewer_id),
    )
