"""Hostile input refused as bad input, not crashed on (pure; no embedded services)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from resolvers import cursors
from resolvers.errors import AppError, ErrorCode
from schema import global_id
from schema.input_text import MESSAGE, SURROGATE_MESSAGE, text_problem
from server.body_limits import body_limit
from server.request_errors import code_for_status
from storage.settings import Settings


def _cursor(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("payload", "types"),
    [
        (["comments", 2**63], (int,)),
        (["comments", 2**70], (int,)),
        (["comments", -(2**63) - 1], (int,)),
        (["feed", 1, 10**30], (int, int)),
        (["search", "\ud800", 1], (str, int)),
    ],
)
def test_cursor_values_postgresql_cannot_hold_are_bad_input(
    payload: list[Any], types: tuple[type, ...]
) -> None:
    with pytest.raises(AppError) as info:
        cursors.decode(_cursor(payload), payload[0], types)
    assert info.value.code is ErrorCode.BAD_USER_INPUT


@pytest.mark.parametrize("value", [2**63 - 1, -(2**63), 0])
def test_cursor_values_at_the_64_bit_bounds_are_kept(value: int) -> None:
    assert cursors.decode(_cursor(["comments", value]), "comments", (int,)) == (value,)


@pytest.mark.parametrize(
    "raw",
    ["User:²", "User:١٢", "User:٣", "Üser:1", "User:" + "9" * 20, "User:9223372036854775808"],
)
def test_global_ids_with_odd_digits_are_not_ours(raw: str) -> None:
    encoded = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    assert global_id.decode(encoded) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain", None),
        ("café \U0001f600", None),
        ("a\x00b", MESSAGE),
        ("\ud800", SURROGATE_MESSAGE),
        ("ok\udfff", SURROGATE_MESSAGE),
        ({"key\ud800": "value"}, SURROGATE_MESSAGE),
        ({"a": [1, None, True, {"b": ("x", "\x00")}]}, MESSAGE),
        ([1, 2.5, None], None),
    ],
)
def test_text_problem(value: Any, expected: str | None) -> None:
    assert text_problem(value) == expected


def test_text_problem_has_no_recursion_limit() -> None:
    nested: Any = "\ud800"
    for _ in range(100_000):
        nested = [nested]
    assert text_problem(nested) == SURROGATE_MESSAGE


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("application/json", 2**20),
        ("application/json; charset=utf-8", 2**20),
        ("text/plain", 2**20),
        ("", 2**20),
        ("multipart/form-data; boundary=x", 200 * 2**20 + 2**20),
        ("Multipart/Form-Data;boundary=x", 200 * 2**20 + 2**20),
    ],
)
def test_body_limit(content_type: str, expected: int) -> None:
    assert body_limit(Settings(), content_type) == expected


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, ErrorCode.BAD_USER_INPUT),
        (401, ErrorCode.UNAUTHENTICATED),
        (404, ErrorCode.NOT_FOUND),
        (405, ErrorCode.BAD_USER_INPUT),
        (413, ErrorCode.PAYLOAD_TOO_LARGE),
        (500, ErrorCode.INTERNAL),
        (503, ErrorCode.INTERNAL),
    ],
)
def test_code_for_status(status: int, code: ErrorCode) -> None:
    assert code_for_status(status) is code
