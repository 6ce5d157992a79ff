"""Unit tests for input validation and follow relations (pure; no embedded services).

Who may see what is tests/test_unit_visibility.py."""

from __future__ import annotations

import pytest

from resolvers.errors import AppError, ErrorCode
from resolvers.graph import Relation, relation
from resolvers.validation import (
    check_password,
    clean_bio,
    clean_display_name,
    clean_username,
)


def _assert_bad_input(info: pytest.ExceptionInfo[AppError], field: str) -> None:
    assert info.value.code == ErrorCode.BAD_USER_INPUT
    assert info.value.extensions == {"field": field}


# --- clean_username -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("alice", "alice"),
        ("Alice", "alice"),
        ("ALICE_99", "alice_99"),
        ("  bob  ", "bob"),
        ("\tCarol.Smith\n", "carol.smith"),
        ("abc", "abc"),  # 3, the minimum
        ("a" * 30, "a" * 30),  # 30, the maximum
        ("A" * 30, "a" * 30),
        ("  " + "x" * 30 + "  ", "x" * 30),  # surrounding spaces do not count
        ("a.b", "a.b"),
        ("___", "___"),
        ("...", "..."),
        ("123", "123"),
        ("j.doe_2024", "j.doe_2024"),
    ],
)
def test_clean_username_accepts(raw: str, expected: str) -> None:
    assert clean_username(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "ab",  # 2
        "AB",
        " ab ",
        "a" * 31,  # 31
        "a" * 100,
        "al ice",
        "al\tice",
        "alice%",
        "100%",
        "al-ice",
        "al@ice",
        "alice!",
        "al/ice",
        "al'ice",
        "alïce",
        "ålice",
        "алиса",  # Cyrillic
        "李小龙",
        "\uff41\uff4c\uff49\uff43\uff45",  # fullwidth Latin "alice"
        "alice\x00",
        "ali\nce",
        "émile",
    ],
)
def test_clean_username_rejects(raw: str) -> None:
    with pytest.raises(AppError) as info:
        clean_username(raw)
    _assert_bad_input(info, "username")


# --- check_password -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "x" * 8,
        "x" * 9,
        "correct horse battery staple",
        " " * 8,  # not stripped: spaces count
        "é" * 8,  # counted in characters, not bytes
        "x" * 255,
        "x" * 256,
        "🔒" * 256,
    ],
)
def test_check_password_accepts(password: str) -> None:
    assert check_password(password) == password


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "at least 8"),
        ("x", "at least 8"),
        ("x" * 7, "at least 8"),
        ("é" * 7, "at least 8"),
        ("x" * 257, "at most 256"),
        ("x" * 10_000, "at most 256"),
    ],
)
def test_check_password_rejects(password: str, message: str) -> None:
    with pytest.raises(AppError, match=message) as info:
        check_password(password)
    _assert_bad_input(info, "password")


# --- clean_display_name ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("\t\n ", None),
        ("Alice", "Alice"),
        ("  Alice  ", "Alice"),
        ("Alice   Smith", "Alice Smith"),
        (" Alice \t\n Smith ", "Alice Smith"),
        ("a  b  c", "a b c"),
        ("Zoë  Åström", "Zoë Åström"),  # case and accents are kept
        ("x" * 64, "x" * 64),
        ("  " + "x" * 64 + "  ", "x" * 64),  # measured after collapsing
        ("a" + " " * 100 + "b", "a b"),
    ],
)
def test_clean_display_name(raw: str | None, expected: str | None) -> None:
    assert clean_display_name(raw) == expected


@pytest.mark.parametrize("raw", ["x" * 65, "x" * 1000, "ab " * 22])
def test_clean_display_name_rejects_too_long(raw: str) -> None:
    with pytest.raises(AppError, match="at most 64") as info:
        clean_display_name(raw)
    _assert_bad_input(info, "displayName")


# --- clean_bio ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("\n\t \n", None),
        ("hello", "hello"),
        ("  hello  ", "hello"),
        ("line one\n\nline  two", "line one\n\nline  two"),  # inner whitespace kept
        ("\n  photos & travel \n", "photos & travel"),
        ("x" * 500, "x" * 500),
        ("   " + "x" * 500 + "   ", "x" * 500),  # measured after stripping
    ],
)
def test_clean_bio(raw: str | None, expected: str | None) -> None:
    assert clean_bio(raw) == expected


@pytest.mark.parametrize("raw", ["x" * 501, "x" * 5000, "a" + " " * 499 + "b"])
def test_clean_bio_rejects_too_long(raw: str) -> None:
    with pytest.raises(AppError, match="at most 500") as info:
        clean_bio(raw)
    _assert_bad_input(info, "bio")


# --- graph.relation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "expected", "value"),
    [
        ("active", Relation.FOLLOWING, "FOLLOWING"),
        ("pending", Relation.REQUESTED, "REQUESTED"),
        (None, Relation.NOT_FOLLOWING, "NOT_FOLLOWING"),
    ],
)
def test_relation(state: str | None, expected: Relation, value: str) -> None:
    result = relation(state)
    assert result is expected
    assert result == value
