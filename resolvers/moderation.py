"""Reports, the moderation queue and moderators' actions on posts.

Reports are one per reporter and target (idempotent) and rate limited. When
`flag_threshold` distinct people have open reports on a PUBLISHED post it becomes FLAGGED at
once: out of discovery, still shown to its followers (storage/visibility.py) until a moderator
acts. REMOVE hides it from all but its author, who sees REMOVED and the note; RESTORE brings it
back; DISMISS closes the reports (a FLAGGED post goes back to PUBLISHED). Each action closes
the open reports of the post and its comments, and is kept in `moderation_actions`, as is a
moderator's deleteComment of someone else's comment (which closes that comment's reports).
"""

from __future__ import annotations

import logging
from enum import StrEnum

from resolvers import cursors, live, ratelimit
from resolvers.cursors import Page
from resolvers.deps import Deps
from resolvers.errors import AppError, ErrorCode, bad_input, not_found
from resolvers.post_access import visible_post
from storage import comments, moderation, notifications, post_access, users, visibility
from storage.comments import CommentRow
from storage.moderation import ReportRow
from storage.visibility import Surface, may_see_comment, may_see_post

logger = logging.getLogger("snapfeed.moderation")

REPORT_NOTE_MAX = 500
MODERATION_NOTE_MAX = 1000
CURSOR_KIND = "reports"


class Reason(StrEnum):
    SPAM = "spam"
    NUDITY = "nudity"
    VIOLENCE = "violence"
    HARASSMENT = "harassment"
    HATE = "hate"
    MISINFORMATION = "misinformation"
    OTHER = "other"


class Action(StrEnum):
    REMOVE = "remove"
    RESTORE = "restore"
    DISMISS = "dismiss"


# Action -> (the statuses it changes, the status it leaves).
TRANSITIONS: dict[Action, tuple[tuple[str, ...], str]] = {
    Action.REMOVE: (("published", "flagged"), "removed"),
    Action.RESTORE: (("removed", "flagged"), "published"),
    Action.DISMISS: (("flagged",), "published"),
}


def clean_note(raw: str | None, limit: int) -> str | None:
    note = raw.strip() if raw else None
    if note and len(note) > limit:
        raise bad_input(f"A note has at most {limit} characters", field="note")
    if note and "\x00" in note:
        raise bad_input("A note cannot contain NUL characters", field="note")
    return note or None


async def report_post(
    deps: Deps, viewer_id: int, post_id: int, reason: Reason, note: str | None
) -> bool:
    """True whether new or repeated (one report per reporter and post)."""
    note = clean_note(note, REPORT_NOTE_MAX)
    await ratelimit.spend(deps, viewer_id, "report")
    access = await visible_post(deps, viewer_id, post_id)
    if access.post.author_id == viewer_id:
        raise bad_input("You cannot report your own post", field="postId")
    new = await moderation.insert_report(
        deps.db,
        reporter_id=viewer_id,
        post_id=post_id,
        comment_id=None,
        reason=reason.value,
        note=note,
    )
    if new and access.post.status == "published":
        await _flag_if_reported(deps, post_id)
    return True


async def _flag_if_reported(deps: Deps, post_id: int) -> None:
    # Counted after this report is committed: of concurrent reporters, the last to count
    # sees all of them, so crossing the threshold is never missed.
    if await moderation.open_reporters(deps.db, post_id) < deps.settings.flag_threshold:
        return
    async with deps.db.acquire() as conn, conn.transaction():
        flagged = await moderation.set_status(
            conn, post_id, when=("published",), to="flagged", note=None
        )
    if flagged:
        logger.info("post %s flagged by reports", post_id)
        await live.post_changed(deps, post_id)


async def report_comment(
    deps: Deps, viewer_id: int, comment_id: int, reason: Reason, note: str | None
) -> bool:
    note = clean_note(note, REPORT_NOTE_MAX)
    await ratelimit.spend(deps, viewer_id, "report")
    found = await comments.by_ids(deps.db, [comment_id])
    access = await post_access.load(deps.db, found[0].post_id, viewer_id) if found else None
    if not found or access is None:
        raise not_found("Comment")
    comment = found[0]
    relations = await visibility.relations(deps.db, viewer_id, [comment.author_id])
    post_visible = may_see_post(access.relation, access.post.status, Surface.LOOKUP)
    if comment.author_id not in relations or not may_see_comment(
        relations[comment.author_id], post_visible=post_visible, surface=Surface.LOOKUP
    ):
        raise not_found("Comment")
    if comment.author_id == viewer_id:
        raise bad_input("You cannot report your own comment", field="commentId")
    await moderation.insert_report(
        deps.db,
        reporter_id=viewer_id,
        post_id=comment.post_id,
        comment_id=comment.id,
        reason=reason.value,
        note=note,
    )
    return True


async def require_moderator(deps: Deps, viewer_id: int) -> None:
    found = await users.by_ids(deps.db, [viewer_id])
    if not found or not found[0].is_moderator:
        raise AppError(ErrorCode.FORBIDDEN, "Only moderators can do this")


async def queue(deps: Deps, viewer_id: int, *, first: int, after: str | None) -> Page[ReportRow]:
    """Open reports, oldest first: FORBIDDEN to all but moderators."""
    cursors.check_first(first, deps.settings.max_page_size)
    after_id = cursors.decode_id(after, CURSOR_KIND)
    await require_moderator(deps, viewer_id)
    rows = await moderation.open_reports(deps.db, after_id=after_id, limit=first + 1)
    return cursors.page_of(rows, first, lambda r: cursors.encode(CURSOR_KIND, r.id))


async def moderate_post(
    deps: Deps, moderator_id: int, post_id: int, action: Action, note: str | None
) -> None:
    await require_moderator(deps, moderator_id)
    note = clean_note(note, MODERATION_NOTE_MAX)
    # Moderators look up any live or moderated post (never processing, failed or deleted).
    access = await visible_post(deps, moderator_id, post_id)
    when, to = TRANSITIONS[action]
    async with deps.db.acquire() as conn, conn.transaction():
        before = await moderation.set_status(
            conn, post_id, when=when, to=to, note=note if to == "removed" else None
        )
        if before is None:  # nothing to change (REMOVE of a removed post, ...): still kept
            before = after = access.post.status
        else:
            after = to
        if after == "removed" and before != "removed":
            await moderation.remember_removed_images(conn, post_id, removed_by=moderator_id)
        if before == "removed" and after != "removed":
            await moderation.forget_removed_images(conn, post_id)
        if (before == "removed") != (after == "removed"):
            # With the change itself: the author hears of a removal, and a restore takes
            # that notification back (the fold checks the state it finds).
            await notifications.told_post(conn, "post_removed", post_id)
        closed = await moderation.close_reports(conn, post_id)
        await moderation.record_action(
            conn,
            moderator_id=moderator_id,
            post_id=post_id,
            action=action.value,
            note=note,
            status_before=before,
            status_after=after,
            reports_closed=closed,
        )
    logger.info("moderator %s: %s post %s (%s -> %s)", moderator_id, action, post_id, before, after)
    await live.post_changed(deps, post_id)


async def delete_comment(
    deps: Deps, moderator_id: int, comment: CommentRow, post_status: str, *, notify: int | None
) -> bool:
    """A moderator deletes someone else's comment (resolvers.comments decided they may): in
    one transaction its open reports are closed (they go with the comment) and the deletion
    is kept in the audit trail. False when a concurrent delete won."""
    async with deps.db.acquire() as conn, conn.transaction():
        closed = await moderation.close_comment_reports(conn, comment.id)
        if not await comments.delete(conn, comment.id, notify=notify):
            return False
        await moderation.record_action(
            conn,
            moderator_id=moderator_id,
            post_id=comment.post_id,
            action="delete_comment",
            note=None,
            status_before=post_status,
            status_after=post_status,
            reports_closed=closed,
            comment_id=comment.id,
            comment_author_id=comment.author_id,
        )
    logger.info("moderator %s: deleted comment %s (%d reports)", moderator_id, comment.id, closed)
    return True
