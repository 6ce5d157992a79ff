"""Pure rules behind comments: body cleaning, who may delete, pages and cursors."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from resolvers import comments
from resolvers.errors import AppError, ErrorCode
from storage.comments import CommentRow, PageKey
from storage.counters import COUNTER_SHARDS, random_shard
from storage.users import UserRow


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("hi", "hi"),
        ("  hi there \n", "hi there"),
        ("line one\nline two", "line one\nline two"),
        ("x" * 2200, "x" * 2200),
        (" " * 10 + "x" * 2200 + "\t", "x" * 2200),
        ("🙂" * 2200, "🙂" * 2200),
    ],
)
def test_clean_body_accepts(raw: str, expected: str) -> None:
    assert comments.clean_body(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "\n\t ", "x" * 2201, "a\x00b"])
def test_clean_body_rejects(raw: str) -> None:
    with pytest.raises(AppError) as caught:
        comments.clean_body(raw)
    assert caught.value.code is ErrorCode.BAD_USER_INPUT
    assert caught.value.extensions == {"field": "body"}


VIEWER, COMMENTER, POSTER = 1, 2, 3


@pytest.mark.parametrize(
    ("viewer", "post_visible", "moderator", "expected"),
    [
        (COMMENTER, True, False, None),
        (COMMENTER, False, False, None),  # lost sight of the post, still owns the comment
        (POSTER, True, False, None),
        (VIEWER, True, False, ErrorCode.FORBIDDEN),
        (VIEWER, False, False, ErrorCode.NOT_FOUND),
        (VIEWER, True, True, "moderator"),  # audited
        (VIEWER, False, True, ErrorCode.NOT_FOUND),  # a post moderators cannot look up
        (COMMENTER, True, True, None),  # their own: not a moderation action
        (POSTER, True, True, None),
    ],
)
def test_check_can_delete(
    viewer: int, post_visible: bool, moderator: bool, expected: ErrorCode | str | None
) -> None:
    if not isinstance(expected, ErrorCode):
        as_moderator = comments.check_can_delete(
            viewer, COMMENTER, POSTER, post_visible, moderator=moderator
        )
        assert as_moderator is (expected == "moderator")
        return
    with pytest.raises(AppError) as caught:
        comments.check_can_delete(viewer, COMMENTER, POSTER, post_visible, moderator=moderator)
    assert caught.value.code is expected


ROW = CommentRow(
    id=0, post_id=7, author_id=1, body="b", created_at=datetime(2025, 1, 1, tzinfo=UTC)
)
AUTHOR = UserRow(1, "a", None, None, False, 0, 0, 0, datetime(2025, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("first", "fetched", "shown", "has_next"),
    [
        (0, 0, 0, False),
        (0, 1, 0, True),
        (2, 0, 0, False),
        (2, 2, 2, False),
        (2, 3, 2, True),
        (50, 51, 50, True),
    ],
)
def test_to_page(first: int, fetched: int, shown: int, has_next: bool) -> None:
    key = PageKey(post_id=7, after_id=None, limit=first + 1)
    rows = [(replace(ROW, id=100 + i), AUTHOR) for i in range(fetched)]
    page = comments.to_page(rows, key)
    assert [item.id for _, (item, _) in page.items] == [100 + i for i in range(shown)]
    assert page.has_next is has_next
    assert page.end_cursor == (comments.encode_cursor(100 + shown - 1) if shown else None)


@pytest.mark.parametrize("comment_id", [1, 249938267443560456, 2**63 - 1])
def test_cursor_round_trip(comment_id: int) -> None:
    assert comments.decode_cursor(comments.encode_cursor(comment_id)) == comment_id


@pytest.mark.parametrize("cursor", ["", "nope", "W10", "WyJmZWVkIiwxXQ", "WyJjb21tZW50cyIsIjEiXQ"])
def test_bad_cursors_are_bad_input(cursor: str) -> None:
    with pytest.raises(AppError) as caught:
        comments.decode_cursor(cursor)
    assert caught.value.code is ErrorCode.BAD_USER_INPUT


def test_random_shard_stays_in_range() -> None:
    assert {random_shard() for _ in range(2000)} == set(range(COUNTER_SHARDS))
