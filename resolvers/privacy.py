"""Who may see what. Pure functions over rows and follow states."""

from __future__ import annotations

from storage.users import UserRow


def can_see_content(owner: UserRow, viewer_id: int | None, viewer_state: str | None) -> bool:
    """Posts, follower lists and stories of `owner`: public, one's own, or an approved follower."""
    return not owner.is_private or viewer_id == owner.id or viewer_state == "active"
