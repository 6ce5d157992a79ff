"""The feed-store interface. A feed is a user's post ids, newest (largest id) first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class FeedEntry:
    user_id: int  # whose feed
    post_id: int  # time-sortable: larger is newer
    author_id: int


class FeedStore(Protocol):
    async def push(self, entries: Sequence[FeedEntry]) -> None:
        """Add entries; an entry already present is left as it is (pushing is idempotent)."""
        ...

    async def page(self, user_id: int, *, before: int | None, limit: int) -> list[int]:
        """Up to `limit` post ids below `before` (or the newest), newest first."""
        ...

    async def remove_post(self, post_id: int, user_ids: Sequence[int]) -> None:
        """Remove a post from these users' feeds (a backend may remove it from every feed)."""
        ...

    async def remove_author(self, user_id: int, author_id: int) -> None:
        """Remove every post of `author_id` from one user's feed (after an unfollow)."""
        ...

    async def close(self) -> None: ...
