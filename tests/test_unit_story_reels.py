"""Pure story logic: grouping into reels and tray order (who may see a story when:
tests/test_unit_visibility.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from resolvers.story_reels import group_reels
from storage.stories import StoryRow

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
