"""Who may see what. Pure functions over rows and follow states."""

from __future__ import annotations

from datetime import datetime

from storage.users import UserRow


def can_see_content(owner: UserRow, viewer_id: int | None, viewer_state: str | None) -> bool:
    """Posts, follower lists and stories of `owner`: public, one's own, or an approved follower."""
    return not owner.is_private or viewer_id == owner.id or viewer_state == "active"


def can_view_post(
    status: str,
    author: UserRow,
    viewer_id: int | None,
    viewer_state: str | None,
) -> bool:
    """Authors see their own posts in any state; others see published posts they may see."""
    if viewer_id == author.id:
        return True
    return status == "published" and can_see_content(author, viewer_id, viewer_state)


def can_view_story(
    media_status: str,
    expires_at: datetime,
    now: datetime,
    author: UserRow,
    viewer_id: int | None,
    viewer_state: str | None,
) -> bool:
    """Nobody sees a story once expired; before that its author sees it in any state, others
    only once its media is READY (never while processing, never FAILED)."""
    if now >= expires_at:
        return False
    if viewer_id == author.id:
        return True
    return media_status == "ready" and can_see_content(author, viewer_id, viewer_state)
