"""Follow, unfollow, follow requests and the follower/following lists."""

from __future__ import annotations

from enum import StrEnum

import asyncpg

from resolvers import cursors, ratelimit
from resolvers.cursors import Page
from resolvers.deps import Deps
from resolvers.errors import bad_input, not_found
from resolvers.feed import hooks
from resolvers.safety import refused_by_own_block
from storage import follows, notifications, safety, tokens, users, visibility
from storage.follows import FollowEdge, FollowState
from storage.users import UserRow
from storage.visibility import may_see_content


class Relation(StrEnum):
    FOLLOWING = "FOLLOWING"
    REQUESTED = "REQUESTED"
    NOT_FOLLOWING = "NOT_FOLLOWING"


def relation(state: str | None) -> Relation:
    if state == "active":
        return Relation.FOLLOWING
    if state == "pending":
        return Relation.REQUESTED
    return Relation.NOT_FOLLOWING


async def follow(deps: Deps, viewer_id: int, target_id: int) -> Relation:
    """Follow a user, or ask to when their account is private. Idempotent."""
    if target_id == viewer_id:
        raise bad_input("You cannot follow yourself", field="userId")
    await ratelimit.spend(deps, viewer_id, "follow")
    async with deps.db.acquire() as conn, conn.transaction():
        existing = await follows.state(conn, viewer_id, target_id)
        if existing is not None:
            return relation(existing)
        locked = await follows.lock_users(conn, [viewer_id, target_id])
        if target_id not in locked:
            raise not_found("User")
        # Under the users' locks, as block takes them: no follow slips past a block.
        blocked_by, blocking = await safety.blocks_between(conn, viewer_id, target_id)
        if blocked_by:  # to the blocked user the blocker does not exist
            raise not_found("User")
        if blocking:
            raise refused_by_own_block()
        new_state: FollowState = "pending" if locked[target_id] else "active"
        if not await follows.insert(conn, viewer_id, target_id, new_state):
            return relation(await follows.state(conn, viewer_id, target_id))
        await notifications.append(conn, "follow", [(target_id, viewer_id)])
        marked: set[int] = set()
        if new_state == "active":
            marked = await follows.adjust_counts(conn, [viewer_id], target_id, +1)
    if new_state == "active":
        await _joined(deps, viewer_id, target_id, marked_stale=viewer_id in marked)
    return relation(new_state)


async def _joined(deps: Deps, follower_id: int, followee_id: int, *, marked_stale: bool) -> None:
    """The followee's posts join the follower's feed. The follow's transaction marked that
    feed stale (storage/follows.py adjust_counts); the mark goes once this is done, so a
    failure here (Redis or PostgreSQL gone after the commit) leaves a rebuild for the
    follower's next feed read rather than a feed without the followee's posts."""
    [followee] = await users.by_ids(deps.db, [followee_id])
    await hooks.after_follow(deps, follower_id, followee_id, followee.follower_count)
    if marked_stale:
        await tokens.clear_feed_stale(deps.db, follower_id)


async def unfollow(deps: Deps, viewer_id: int, target_id: int) -> Relation:
    """Stop following, or withdraw a request. Idempotent."""
    if target_id == viewer_id:
        raise bad_input("You cannot unfollow yourself", field="userId")
    async with deps.db.acquire() as conn, conn.transaction():
        locked = await follows.lock_users(conn, [viewer_id, target_id])
        if target_id not in locked:
            raise not_found("User")
        previous = await follows.delete(conn, viewer_id, target_id)
        marked: set[int] = set()
        if previous == "active":
            marked = await _leaving(conn, viewer_id, target_id)
        if previous is not None:  # out of the target's notifications
            await notifications.append(conn, "follow", [(target_id, viewer_id)])
    if previous == "active":
        await _left(deps, viewer_id, target_id, marked_stale=viewer_id in marked)
    return Relation.NOT_FOLLOWING


async def _leaving(conn: asyncpg.Connection, follower_id: int, followee_id: int) -> set[int]:
    """In an unfollow's transaction: counts, the stale mark and the removal to do (see
    `_left`); the followers marked stale."""
    marked = await follows.adjust_counts(conn, [follower_id], followee_id, -1)
    await follows.note_removal(conn, follower_id, followee_id)
    return marked


async def _left(deps: Deps, follower_id: int, followee_id: int, *, marked_stale: bool) -> None:
    """The followee's posts leave the follower's feed. The unfollow's transaction marked the
    feed stale and noted the removal; both go once this is done, so a failure here (Redis or
    PostgreSQL gone after the commit) leaves the removal and a rebuild to the follower's next
    feed read (resolvers/feed/hooks.py) rather than a feed that keeps the posts."""
    await hooks.after_unfollow(deps, follower_id, followee_id)
    await follows.forget_removals(deps.db, follower_id, [followee_id])
    if marked_stale:
        await tokens.clear_feed_stale(deps.db, follower_id)


async def remove_follower(deps: Deps, viewer_id: int, follower_id: int) -> None:
    """Drop one of the viewer's followers, or their pending request. Idempotent."""
    if follower_id == viewer_id:
        raise bad_input("You cannot remove yourself", field="userId")
    async with deps.db.acquire() as conn, conn.transaction():
        locked = await follows.lock_users(conn, [viewer_id, follower_id])
        if follower_id not in locked:
            raise not_found("User")
        previous = await follows.delete(conn, follower_id, viewer_id)
        marked: set[int] = set()
        if previous == "active":
            marked = await _leaving(conn, follower_id, viewer_id)
        if previous is not None:
            await notifications.append(conn, "follow", [(viewer_id, follower_id)])
    if previous == "active":
        # As if they had unfollowed: the viewer's posts leave their home feed.
        await _left(deps, follower_id, viewer_id, marked_stale=follower_id in marked)


async def approve_request(deps: Deps, viewer_id: int, requester_id: int) -> None:
    async with deps.db.acquire() as conn, conn.transaction():
        locked = await follows.lock_users(conn, [viewer_id, requester_id])
        if requester_id not in locked:
            raise not_found("User")
        if not await follows.activate(conn, requester_id, viewer_id):
            raise not_found("Follow request")
        marked = await follows.adjust_counts(conn, [requester_id], viewer_id, +1)
        # The request becomes a follow in the viewer's notifications; the requester hears.
        await notifications.append(conn, "follow", [(viewer_id, requester_id)])
        await notifications.append(conn, "follow_accepted", [(requester_id, viewer_id)])
    await _joined(deps, requester_id, viewer_id, marked_stale=requester_id in marked)


async def reject_request(deps: Deps, viewer_id: int, requester_id: int) -> None:
    async with deps.db.acquire() as conn, conn.transaction():
        if not await follows.delete_pending(conn, requester_id, viewer_id):
            raise not_found("Follow request")
        await notifications.append(conn, "follow", [(viewer_id, requester_id)])


def _page(edges: list[FollowEdge], first: int, kind: str) -> Page[UserRow]:
    page = cursors.page_of(edges, first, lambda e: cursors.encode_time_id(kind, e.since, e.user.id))
    return Page(items=[(cursor, e.user) for cursor, e in page.items], has_next=page.has_next)


async def followers(
    deps: Deps, owner: UserRow, *, relation: visibility.Relation, first: int, after: str | None
) -> Page[UserRow]:
    """Newest first; users blocked either way with the viewer are left out."""
    cursors.check_first(first, deps.settings.max_page_size)
    position = cursors.decode_time_id(after, "followers")
    if not may_see_content(relation):
        return Page(items=[], has_next=False)
    edges = await follows.followers(
        deps.db,
        owner.id,
        state="active",
        after=position,
        limit=first + 1,
        viewer_id=relation.viewer_id,
    )
    return _page(edges, first, "followers")


async def following(
    deps: Deps, owner: UserRow, *, relation: visibility.Relation, first: int, after: str | None
) -> Page[UserRow]:
    """Newest first; users blocked either way with the viewer are left out."""
    cursors.check_first(first, deps.settings.max_page_size)
    position = cursors.decode_time_id(after, "following")
    if not may_see_content(relation):
        return Page(items=[], has_next=False)
    edges = await follows.following(
        deps.db, owner.id, after=position, limit=first + 1, viewer_id=relation.viewer_id
    )
    return _page(edges, first, "following")


async def follow_requests(
    deps: Deps, viewer_id: int, *, first: int, after: str | None
) -> Page[UserRow]:
    cursors.check_first(first, deps.settings.max_page_size)
    position = cursors.decode_time_id(after, "requests")
    edges = await follows.followers(
        deps.db, viewer_id, state="pending", after=position, limit=first + 1
    )
    return _page(edges, first, "requests")
