"""Unit tests for `resolvers.cursors` (pure; no embedded services)."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from resolvers import cursors
from resolvers.cursors import Page
from resolvers.errors import AppError, ErrorCode


def _raw(payload: bytes) -> str:
    """A cursor whose decoded bytes are exactly `payload` (no padding, like `encode`)."""
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def _assert_bad_input(info: pytest.ExceptionInfo[AppError], field: str) -> None:
    assert info.value.code == ErrorCode.BAD_USER_INPUT
    assert info.value.extensions == {"field": field}


@pytest.mark.parametrize(
    ("kind", "values", "types"),
    [
        ("posts", (1,), (int,)),
        ("posts", (0,), (int,)),
        ("feed", (-5, 2**53 + 1), (int, int)),
        ("followers", (1_700_000_000_000_000, 42), (int, int)),
        ("search", ("alice", 3), (str, int)),
        ("search", ('héllo ✓ "quoted" ,[]', 7), (str, int)),
        ("search", ("",), (str,)),
        ("empty", (), ()),
        ("kind with spaces/and+symbols", (1, "x", 2), (int, str, int)),
    ],
)
def test_encode_decode_round_trip(
    kind: str, values: tuple[int | str, ...], types: tuple[type, ...]
) -> None:
    cursor = cursors.encode(kind, *values)
    assert re.fullmatch(r"[A-Za-z0-9_-]*", cursor), cursor  # URL-safe and unpadded
    assert cursors.decode(cursor, kind, types) == values


def test_different_values_give_different_cursors() -> None:
    assert cursors.encode("posts", 1) != cursors.encode("posts", 2)
    assert cursors.encode("posts", 1) != cursors.encode("feed", 1)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "a",
        "!!!!",
        "not a cursor",
        "é",
        "\x00",
        _raw(b"hello"),
        _raw(b"\xff\xfe\xfd"),
        _raw(b"{"),
        _raw(b'{"kind": 1}'),
        _raw(b'"posts"'),
        _raw(b"null"),
        _raw(b"1"),
        _raw(b"[]"),
        _raw(b"9" * 5000),  # past Python's int digit limit
    ],
)
def test_decode_garbage_is_bad_input(cursor: str) -> None:
    with pytest.raises(AppError) as info:
        cursors.decode(cursor, "posts", (int,))
    _assert_bad_input(info, "after")


@pytest.mark.parametrize("depth", [100, 100_000])
def test_decode_deeply_nested_json_is_bad_input(depth: int) -> None:
    with pytest.raises(AppError) as info:
        cursors.decode(_raw(b"[" * depth), "posts", (int,))
    _assert_bad_input(info, "after")


@pytest.mark.parametrize(
    ("cursor", "kind"),
    [
        (cursors.encode("followers", 1, 2), "following"),
        (cursors.encode("following", 1, 2), "followers"),
        (cursors.encode("Posts", 1, 2), "posts"),
        (cursors.encode("", 1, 2), "posts"),
        (_raw(b"[1,1,2]"), "posts"),
        (_raw(b"[null,1,2]"), "posts"),
    ],
)
def test_decode_wrong_kind_is_bad_input(cursor: str, kind: str) -> None:
    with pytest.raises(AppError) as info:
        cursors.decode(cursor, kind, (int, int))
    _assert_bad_input(info, "after")


@pytest.mark.parametrize(
    ("values", "types"),
    [
        ((1,), (int, int)),
        ((1, 2, 3), (int, int)),
        ((), (int,)),
        ((1,), ()),
    ],
)
def test_decode_wrong_arity_is_bad_input(values: tuple[int, ...], types: tuple[type, ...]) -> None:
    with pytest.raises(AppError) as info:
        cursors.decode(cursors.encode("posts", *values), "posts", types)
    _assert_bad_input(info, "after")


@pytest.mark.parametrize(
    ("payload", "types"),
    [
        (b'["posts","1",2]', (int, int)),
        (b'["posts",1,"2"]', (int, int)),
        (b'["posts",true,2]', (int, int)),  # bool is not accepted as int
        (b'["posts",1,false]', (int, int)),
        (b'["posts",1.0,2]', (int, int)),
        (b'["posts",1e3,2]', (int, int)),
        (b'["posts",null,2]', (int, int)),
        (b'["posts",[1],2]', (int, int)),
        (b'["posts",{"a":1},2]', (int, int)),
        (b'["posts",1]', (str,)),
        (b'["posts","x"]', (int,)),
    ],
)
def test_decode_wrong_value_types_is_bad_input(payload: bytes, types: tuple[type, ...]) -> None:
    with pytest.raises(AppError) as info:
        cursors.decode(_raw(payload), "posts", types)
    _assert_bad_input(info, "after")


def test_decode_accepts_padded_cursor() -> None:
    cursor = cursors.encode("posts", 12345)
    padded = cursor + "=" * (-len(cursor) % 4)
    assert cursors.decode(padded, "posts", (int,)) == (12345,)


_IST = timezone(timedelta(hours=5, minutes=30))
_PST = timezone(timedelta(hours=-8))


@pytest.mark.parametrize(
    "at",
    [
        datetime(2024, 5, 17, 12, 30, 45, tzinfo=UTC),
        datetime(2024, 5, 17, 12, 30, 45, 999_999, tzinfo=UTC),
        datetime(2024, 5, 17, 12, 30, 45, 1, tzinfo=UTC),
        datetime(2024, 5, 17, 12, 30, 45, 123_457, tzinfo=_IST),
        datetime(2023, 12, 31, 23, 59, 59, 999_999, tzinfo=_PST),
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(1900, 2, 28, 1, 2, 3, 999_999, tzinfo=UTC),
        datetime(1, 1, 1, 0, 0, 0, 0, tzinfo=UTC),
        datetime(1, 1, 1, 0, 0, 0, 999_999, tzinfo=UTC),
        datetime(2262, 4, 11, 23, 47, 16, 854_775, tzinfo=UTC),  # past 2**63 nanoseconds
        datetime(3000, 6, 15, 8, 0, 0, 999_999, tzinfo=_IST),
        datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    ],
)
@pytest.mark.parametrize("item_id", [1, 987_654_321_987])
def test_time_id_round_trip_is_exact(at: datetime, item_id: int) -> None:
    cursor = cursors.encode_time_id("followers", at, item_id)
    decoded = cursors.decode_time_id(cursor, "followers")
    assert decoded is not None
    decoded_at, decoded_id = decoded
    assert decoded_id == item_id
    assert decoded_at == at
    assert decoded_at.utcoffset() == timedelta(0)
    # Field by field in UTC, so a one-microsecond drift cannot hide behind equality.
    assert decoded_at.replace(tzinfo=None) == at.astimezone(UTC).replace(tzinfo=None)
    assert decoded_at.microsecond == at.microsecond


@pytest.mark.parametrize(
    ("at", "micros"),
    [
        (datetime(1970, 1, 1, tzinfo=UTC), 0),
        (datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC), 1),
        (datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC), -1),
        (datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC), 1_000_000),
        (datetime(1970, 1, 1, 5, 30, tzinfo=_IST), 0),
        (datetime(2001, 9, 9, 1, 46, 40, 999_999, tzinfo=UTC), 1_000_000_000_999_999),
    ],
)
def test_time_id_encodes_integer_microseconds_since_epoch(at: datetime, micros: int) -> None:
    cursor = cursors.encode_time_id("posts", at, 9)
    assert cursors.decode(cursor, "posts", (int, int)) == (micros, 9)


def test_decode_time_id_none_is_none() -> None:
    assert cursors.decode_time_id(None, "followers") is None


@pytest.mark.parametrize(
    "cursor",
    [
        cursors.encode_time_id("following", datetime(2024, 1, 1, tzinfo=UTC), 1),  # wrong kind
        cursors.encode("followers", 1),
        cursors.encode("followers", "2024-01-01", 1),
        cursors.encode("followers", 10**20, 1),  # beyond datetime's range
        cursors.encode("followers", -(10**20), 1),
        cursors.encode("followers", 10**40, 1),
        "garbage",
        "",
    ],
)
def test_decode_time_id_invalid_is_bad_input(cursor: str) -> None:
    with pytest.raises(AppError) as info:
        cursors.decode_time_id(cursor, "followers")
    _assert_bad_input(info, "after")


@pytest.mark.parametrize(
    ("first", "maximum"),
    [(0, 50), (1, 50), (49, 50), (50, 50), (0, 0), (1, 1)],
)
def test_check_first_accepts_zero_to_max(first: int, maximum: int) -> None:
    assert cursors.check_first(first, maximum) == first


@pytest.mark.parametrize(
    ("first", "maximum", "message"),
    [
        (-1, 50, "must not be negative"),
        (-100, 50, "must not be negative"),
        (51, 50, "at most 50"),
        (1_000_000, 50, "at most 50"),
        (1, 0, "at most 0"),
        (-1, 0, "must not be negative"),
    ],
)
def test_check_first_rejects_out_of_range(first: int, maximum: int, message: str) -> None:
    with pytest.raises(AppError, match=message) as info:
        cursors.check_first(first, maximum)
    _assert_bad_input(info, "first")


@pytest.mark.parametrize(
    ("items", "has_next", "end_cursor"),
    [
        ([], False, None),
        ([], True, None),
        ([("c1", "a")], False, "c1"),
        ([("c1", "a"), ("c2", "b"), ("c3", "c")], True, "c3"),
        ([("c1", "a"), ("c2", "b")], False, "c2"),
    ],
)
def test_page_end_cursor(
    items: list[tuple[str, str]], has_next: bool, end_cursor: str | None
) -> None:
    page = Page(items=items, has_next=has_next)
    assert page.end_cursor == end_cursor
    assert page.has_next is has_next
