"""The activity tab: a viewer's notifications, their unread count and read marks."""

from __future__ import annotations

from resolvers import cursors
from resolvers.cursors import Page
from resolvers.deps import Deps
from resolvers.errors import not_found
from storage import notifications
from storage.notifications import NotificationRow
from storage.post_access import PostAccess
from storage.users import UserRow
from storage.visibility import may_notify

CURSOR_KIND = "notifications"


def author_told(access: PostAccess) -> int | None:
    """Whom a like or comment on this post tells: its author, unless the actor is the author
    (or a block stands between them)."""
    return access.post.author_id if may_notify(access.relation) else None


async def page(
    deps: Deps, viewer_id: int, *, first: int, after: str | None
) -> Page[NotificationRow]:
    """Newest first by their newest event: a notification folded anew moves to the top."""
    cursors.check_first(first, deps.settings.max_page_size)
    position = cursors.decode_time_id(after, CURSOR_KIND)
    rows = await notifications.page(deps.db, viewer_id, after=position, limit=first + 1)
    return cursors.page_of(
        rows, first, lambda r: cursors.encode_time_id(CURSOR_KIND, r.updated_at, r.id)
    )


async def by_ids(deps: Deps, viewer_id: int, ids: list[int]) -> list[NotificationRow]:
    return await notifications.by_ids(deps.db, viewer_id, ids)


async def actors(deps: Deps, viewer_id: int, row: NotificationRow, first: int) -> list[UserRow]:
    """The newest `first` actors the viewer may see."""
    cursors.check_first(first, deps.settings.max_page_size)
    if first <= len(row.actors) or len(row.actors) >= row.actor_count:
        return list(row.actors[:first])
    return await notifications.actors(deps.db, row.id, viewer_id, limit=first)


async def unread_count(deps: Deps, viewer_id: int) -> int:
    return await notifications.unread_count(deps.db, viewer_id)


async def mark_read(deps: Deps, viewer_id: int, up_to: int | None) -> int:
    changed = await notifications.mark_read(deps.db, viewer_id, up_to)
    if changed is None:
        raise not_found("Notification")
    return changed
