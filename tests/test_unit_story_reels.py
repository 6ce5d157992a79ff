"""Pure story logic: grouping into reels, tray order, and who may see a story when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from resolvers.privacy import can_view_story
from resolvers.story_reels import group_reels
from storage.stories import StoryRow
from storage.users import UserRow

T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
VIEWER = 1


def _story(story_id: int, author_id: int, minute: int) -> StoryRow:
    created = T0 + timedelta(minutes=minute)
    return StoryRow(story_id, author_id, story_id + 1000, created, created + timedelta(hours=24))


# (author id, story id, minute created)
Spec = tuple[int, int, int]


@pytest.mark.parametrize(
    ("specs", "seen", "expected"),
    [
        pytest.param([], set(), [], id="nothing"),
        pytest.param(
            [(2, 10, 5), (2, 11, 1), (2, 12, 3)],
            set(),
            [(2, [11, 12, 10], True)],
            id="stories-oldest-first",
        ),
        pytest.param(
            [(2, 10, 1), (3, 11, 3), (4, 12, 2)],
            set(),
            [(3, [11], True), (4, [12], True), (2, [10], True)],
            id="most-recent-story-first",
        ),
        pytest.param(
            [(2, 10, 1), (3, 11, 3), (4, 12, 2)],
            {11},
            [(4, [12], True), (2, [10], True), (3, [11], False)],
            id="unseen-before-seen",
        ),
        pytest.param(
            [(2, 10, 1), (2, 11, 9), (3, 12, 5)],
            {11},
            [(2, [10, 11], True), (3, [12], True)],
            id="one-unseen-story-makes-the-reel-unseen",
        ),
        pytest.param(
            [(2, 10, 1), (2, 11, 9), (3, 12, 5), (4, 13, 4)],
            {10, 11, 13},
            [(3, [12], True), (2, [10, 11], False), (4, [13], False)],
            id="seen-reels-by-most-recent-story",
        ),
        pytest.param(
            [(VIEWER, 10, 1), (2, 11, 9)],
            set(),
            [(VIEWER, [10], True), (2, [11], True)],
            id="own-reel-first-though-older",
        ),
        pytest.param(
            [(VIEWER, 10, 1), (2, 11, 9)],
            {10},
            [(VIEWER, [10], False), (2, [11], True)],
            id="own-reel-first-though-seen",
        ),
        pytest.param(
            [(2, 20, 5), (3, 21, 5), (2, 19, 5)],
            set(),
            [(3, [21], True), (2, [19, 20], True)],
            id="same-time-ties-broken-by-id",
        ),
    ],
)
def test_group_reels(
    specs: list[Spec], seen: set[int], expected: list[tuple[int, list[int], bool]]
) -> None:
    stories = [_story(story_id, author, minute) for author, story_id, minute in specs]
    reels = group_reels(stories, seen, VIEWER)
    assert [(r.author_id, [s.id for s in r.stories], r.has_unseen) for r in reels] == expected


def _user(user_id: int, *, private: bool) -> UserRow:
    return UserRow(
        id=user_id,
        username=f"user{user_id}",
        display_name=None,
        bio=None,
        is_private=private,
        follower_count=0,
        following_count=0,
        post_count=0,
        created_at=T0,
    )


EXPIRES = T0 + timedelta(hours=24)
LIVE = T0 + timedelta(hours=1)


@pytest.mark.parametrize(
    ("media_status", "now", "private", "viewer_id", "state", "visible"),
    [
        ("ready", LIVE, False, 9, None, True),  # public: anyone with the id
        ("ready", LIVE, False, None, None, True),
        ("ready", LIVE, True, 9, "active", True),  # approved follower
        ("ready", LIVE, True, 9, "pending", False),  # a request is not a follow
        ("ready", LIVE, True, 9, None, False),
        ("ready", LIVE, True, None, None, False),
        ("processing", LIVE, False, 9, "active", False),  # others wait for READY
        ("failed", LIVE, False, 9, "active", False),
        ("processing", LIVE, True, 2, None, True),  # the author sees it in any state
        ("failed", LIVE, True, 2, None, True),
        ("ready", EXPIRES - timedelta(microseconds=1), False, 9, None, True),
        ("ready", EXPIRES, False, 9, None, False),  # expired: nobody, author included
        ("ready", EXPIRES, False, 2, None, False),
        ("ready", EXPIRES + timedelta(days=3), True, 9, "active", False),
    ],
)
def test_can_view_story(
    media_status: str,
    now: datetime,
    private: bool,
    viewer_id: int | None,
    state: str | None,
    visible: bool,
) -> None:
    author = _user(2, private=private)
    assert can_view_story(media_status, EXPIRES, now, author, viewer_id, state) is visible
