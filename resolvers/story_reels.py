"""Pure story logic: grouping live stories into reels and ordering the reels."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from storage.stories import StoryRow


@dataclass(frozen=True)
class Reel:
    author_id: int
    stories: tuple[StoryRow, ...]  # oldest first
    has_unseen: bool


def _age_key(story: StoryRow) -> tuple[datetime, int]:
    # created_at comes from the app's clock, the id from the database's: the time decides and
    # the id only breaks ties.
    return (story.created_at, story.id)


def group_reels(stories: Iterable[StoryRow], seen: Collection[int], viewer_id: int) -> list[Reel]:
    """One reel per author, its stories oldest first, in the order the tray shows them.

    The viewer's own reel comes first (as on Instagram: it is where they add to their story
    and check it), then reels with stories the viewer has not seen, then reels they have
    watched; within each group the reel with the most recent story comes first.
    """
    by_author: dict[int, list[StoryRow]] = defaultdict(list)
    for story in stories:
        by_author[story.author_id].append(story)
    reels = [
        Reel(
            author_id=author_id,
            stories=tuple(sorted(items, key=_age_key)),
            has_unseen=any(s.id not in seen for s in items),
        )
        for author_id, items in by_author.items()
    ]
    # Two stable sorts: most recent first, then the groups.
    reels.sort(key=lambda r: _age_key(r.stories[-1]), reverse=True)
    reels.sort(key=lambda r: (r.author_id != viewer_id, not r.has_unseen))
    return reels
