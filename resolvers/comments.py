"""Adding, deleting and paging comments (oldest first)."""

from __future__ import annotations

from resolvers import cursors, live, mentions, moderation, ratelimit
from resolvers.cursors import Page
from resolvers.deps import Deps
from resolvers.errors import AppError, ErrorCode, bad_input, not_found
from resolvers.feed import signals
from resolvers.notifications import author_told
from resolvers.post_access import visible_post
from storage import comments, post_access
from storage.comments import AuthoredComment, CommentRow, PageKey
from storage.post_access import PostAccess
from storage.visibility import Surface, may_see_post

BODY_MAX = 2200
CURSOR_KIND = "comments"


def clean_body(raw: str) -> str:
    body = raw.strip()
    if not 1 <= len(body) <= BODY_MAX:
        raise bad_input(f"A comment has 1 to {BODY_MAX} characters", field="body")
    if "\x00" in body:  # PostgreSQL text cannot hold NUL
        raise bad_input("A comment cannot contain NUL characters", field="body")
    return body


def check_can_delete(
    viewer_id: int,
    comment_author_id: int,
    post_author_id: int,
    post_visible: bool,
    *,
    moderator: bool = False,
) -> bool:
    """The comment's author and the post's author may delete it, and so may a moderator who
    can look the post up (True: as a moderator, for the audit trail). Anyone else gets
    FORBIDDEN if they can see the post, NOT_FOUND if not (a hidden post's comments do not
    exist)."""
    if viewer_id in (comment_author_id, post_author_id):
        return False
    if not post_visible:
        raise not_found("Comment")
    if moderator:
        return True
    raise AppError(
        ErrorCode.FORBIDDEN,
        "Only the comment's author, the post's author or a moderator can delete it",
    )


async def add_comment(
    deps: Deps, viewer_id: int, post_id: int, body: str
) -> tuple[PostAccess, CommentRow]:
    body = clean_body(body)
    await ratelimit.spend(deps, viewer_id, "comment")
    access = await visible_post(deps, viewer_id, post_id)
    # The post's author hears of the comment itself; a mention of them would be twice.
    mentioned = [
        user_id
        for user_id in await mentions.resolve(deps, body, viewer_id)
        if user_id not in (viewer_id, access.post.author_id)
    ]
    row = await comments.insert(
        deps.db, post_id, viewer_id, body, notify=author_told(access), mentioned=mentioned
    )
    if row is None:
        raise not_found("Post")
    await signals.engaged(deps, viewer_id, post_id, comments=1)
    await live.post_changed(deps, post_id)
    return access, row


async def delete_comment(deps: Deps, viewer_id: int, comment_id: int) -> bool:
    found = await comments.by_ids(deps.db, [comment_id])
    if not found:
        raise not_found("Comment")
    comment = found[0]
    access = await post_access.load(deps.db, comment.post_id, viewer_id)
    if access is None:  # the post was deleted, and its comments with it
        raise not_found("Comment")
    visible = may_see_post(access.relation, access.post.status, Surface.LOOKUP)
    as_moderator = check_can_delete(
        viewer_id,
        comment.author_id,
        access.post.author_id,
        visible,
        moderator=access.relation.moderator,
    )
    post_author = access.post.author_id
    told = post_author if post_author != comment.author_id else None
    if as_moderator:
        deleted = await moderation.delete_comment(
            deps, viewer_id, comment, access.post.status, notify=told
        )
    else:
        deleted = await comments.delete(deps.db, comment_id, notify=told)
    if not deleted:
        raise not_found("Comment")  # a concurrent delete won
    await signals.engaged(deps, comment.author_id, comment.post_id, comments=-1)
    await live.post_changed(deps, comment.post_id)
    return True


def encode_cursor(comment_id: int) -> str:
    return cursors.encode(CURSOR_KIND, comment_id)


def decode_cursor(after: str | None) -> int | None:
    return cursors.decode_id(after, CURSOR_KIND)


def page_key(deps: Deps, post_id: int, *, first: int, after: str | None) -> PageKey:
    """What to fetch for `comments(first, after)`: one row more than shown, to tell
    whether a next page exists."""
    cursors.check_first(first, deps.settings.max_page_size)
    return PageKey(post_id=post_id, after_id=decode_cursor(after), limit=first + 1)


def to_page(rows: list[AuthoredComment], key: PageKey) -> Page[AuthoredComment]:
    return cursors.page_of(rows, key.limit - 1, lambda r: encode_cursor(r[0].id))
