"""Opaque, stable connection cursors and page-size checks.

A cursor is the keyset position of the last item on a page, so new items that
arrive before that position never shift the next page.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar

import orjson

from resolvers.errors import bad_input

T = TypeVar("T")

# Ours are far shorter; the cap keeps hostile input (e.g. deeply nested JSON) out of the parser.
MAX_CURSOR_LENGTH = 200


# A page encodes a cursor per item, and hot pages show the same items to many viewers: a
# lookup is several times cheaper than the JSON and base64.
@functools.lru_cache(maxsize=16_384)
def encode(kind: str, *values: int | str) -> str:
    try:
        payload = orjson.dumps([kind, *values])  # compact, as json.dumps with "," and ":"
    except TypeError:  # an int beyond 64 bits (never ours)
        payload = json.dumps([kind, *values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode(cursor: str, kind: str, types: Sequence[type]) -> tuple[int | str, ...]:
    """The values of a cursor made by `encode(kind, ...)`; BAD_USER_INPUT otherwise."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise bad_input("Invalid cursor", field="after")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError, RecursionError):
        raise bad_input("Invalid cursor", field="after") from None
    if (
        not isinstance(data, list)
        or len(data) != len(types) + 1
        or data[0] != kind
        or not all(type(v) is t for v, t in zip(data[1:], types, strict=True))
        # Ids and times are 64-bit in PostgreSQL: a larger integer is no cursor of ours.
        or not all(-(2**63) <= v < 2**63 for v in data[1:] if type(v) is int)
        # and text is UTF-8 there: a JSON "\ud800" decodes to a string it cannot store.
        or not all(_utf8(v) for v in data[1:] if type(v) is str)
    ):
        raise bad_input("Invalid cursor", field="after")
    return tuple(data[1:])


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


def encode_time_id(kind: str, at: datetime, item_id: int) -> str:
    # Integer microseconds, exactly PostgreSQL's precision: a float would drift by one.
    return encode(kind, (at - _EPOCH) // _MICRO, item_id)


def decode_time_id(cursor: str | None, kind: str) -> tuple[datetime, int] | None:
    if cursor is None:
        return None
    micros, item_id = decode(cursor, kind, (int, int))
    assert isinstance(micros, int) and isinstance(item_id, int)
    try:
        at = _EPOCH + micros * _MICRO
    except OverflowError:
        raise bad_input("Invalid cursor", field="after") from None
    return at, item_id


def decode_id(cursor: str | None, kind: str) -> int | None:
    """The id in a cursor made by `encode(kind, id)`; None for no cursor."""
    if cursor is None:
        return None
    (item_id,) = decode(cursor, kind, (int,))
    assert isinstance(item_id, int)
    return item_id


def check_first(first: int, maximum: int) -> int:
    if first < 0:
        raise bad_input("`first` must not be negative", field="first")
    if first > maximum:
        raise bad_input(f"`first` must be at most {maximum}", field="first")
    return first


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[tuple[str, T]]  # (cursor, item)
    has_next: bool

    @property
    def start_cursor(self) -> str | None:
        return self.items[0][0] if self.items else None

    @property
    def end_cursor(self) -> str | None:
        return self.items[-1][0] if self.items else None


def page_of(rows: Sequence[T], first: int, cursor_of: Callable[[T], str]) -> Page[T]:
    """A page from `first + 1` fetched rows: the extra row only tells a next page exists."""
    return Page(items=[(cursor_of(r), r) for r in rows[:first]], has_next=len(rows) > first)
