"""Blocks and mutes: what they change at once (follows, counts, feeds); what they hide is the
visibility policy's business (storage/visibility.py), applied wherever things are shown."""

from __future__ import annotations

from resolvers import cursors
from resolvers.cursors import Page
from resolvers.deps import Deps
from resolvers.errors import AppError, ErrorCode, bad_input, not_found
from resolvers.feed import hooks
from storage import follows, notifications, safety, users
from storage.users import UserRow

CURSOR_KIND = "blocked"


def refused_by_own_block() -> AppError:
    """Acting on someone the viewer blocked (they know, they did it): FORBIDDEN. The other
    way round, the blocker does not exist for the blocked user: NOT_FOUND."""
    return AppError(ErrorCode.FORBIDDEN, "You blocked this account; unblock it first")


async def _target(deps: Deps, viewer_id: int, target_id: int, verb: str) -> UserRow:
    """The user acted on; NOT_FOUND when missing or when they blocked the viewer (to whom
    they do not exist)."""
    if target_id == viewer_id:
        raise bad_input(f"You cannot {verb} yourself", field="userId")
    found = await users.by_ids(deps.db, [target_id])
    if not found or (await safety.blocks_between(deps.db, viewer_id, target_id))[0]:
        raise not_found("User")
    return found[0]


async def block(deps: Deps, viewer_id: int, target_id: int) -> None:
    """Idempotent. Follows and requests go both ways (counts with them), and each one's posts
    leave the other's home feed, in the store and the cache."""
    await _target(deps, viewer_id, target_id, "block")
    async with deps.db.acquire() as conn, conn.transaction():
        # The same locks as follow: a follow racing the block lands wholly before it (and
        # is dropped here) or after it (and is refused there).
        locked = await follows.lock_users(conn, [viewer_id, target_id])
        if target_id not in locked:
            raise not_found("User")
        blocked_by, _ = await safety.blocks_between(conn, viewer_id, target_id)
        if blocked_by:  # they blocked the viewer first
            raise not_found("User")
        await safety.insert_block(conn, viewer_id, target_id)
        dropped = await safety.drop_follows_between(conn, viewer_id, target_id)
        for edge in dropped:
            if edge.state == "active":
                await follows.adjust_counts(conn, [edge.follower_id], edge.followee_id, -1)
        # The dropped follows and requests leave their notifications, as after an unfollow.
        await notifications.append(
            conn, "follow", [(e.followee_id, e.follower_id) for e in dropped]
        )
    # Both ways, follow or not: nothing of either stays in the other's feed.
    await hooks.after_unfollow(deps, viewer_id, target_id)
    await hooks.after_unfollow(deps, target_id, viewer_id)


async def unblock(deps: Deps, viewer_id: int, target_id: int) -> None:
    """Idempotent. Follows do not come back."""
    await _target(deps, viewer_id, target_id, "unblock")
    await safety.delete_block(deps.db, viewer_id, target_id)


async def mute(deps: Deps, viewer_id: int, target_id: int) -> None:
    """Idempotent. The muted user's posts leave the viewer's home feed (store and cache), and
    fan-out skips the viewer from now on; the muted user is not told."""
    await _target(deps, viewer_id, target_id, "mute")
    if await safety.insert_mute(deps.db, viewer_id, target_id):
        await hooks.after_unfollow(deps, viewer_id, target_id)


async def unmute(deps: Deps, viewer_id: int, target_id: int) -> None:
    """Idempotent. A followed user's recent posts come back into the feed, as after a follow."""
    target = await _target(deps, viewer_id, target_id, "unmute")
    if not await safety.delete_mute(deps.db, viewer_id, target_id):
        return
    if await follows.state(deps.db, viewer_id, target_id) == "active":
        await hooks.after_follow(deps, viewer_id, target_id, target.follower_count)


async def blocked_users(
    deps: Deps, viewer_id: int, *, first: int, after: str | None
) -> Page[UserRow]:
    cursors.check_first(first, deps.settings.max_page_size)
    position = cursors.decode_time_id(after, CURSOR_KIND)
    edges = await safety.blocked_page(deps.db, viewer_id, after=position, limit=first + 1)
    page = cursors.page_of(
        edges, first, lambda e: cursors.encode_time_id(CURSOR_KIND, e.since, e.user.id)
    )
    return Page(items=[(cursor, e.user) for cursor, e in page.items], has_next=page.has_next)
