"""Unit tests for the pure parts of discovery: explore scores and ranking, search query
normalisation, LIKE escaping, hashtag names and explore cursors (no embedded services)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from resolvers import explore, hashtag_pages, search
from resolvers.cursors import encode
from resolvers.errors import AppError, ErrorCode
from resolvers.ranking import age_hours, explore_score, rank
from storage.explore import CandidateRow
from storage.search import escape_like, prefix_args

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("likes", "comments", "age", "expected"),
    [
        (0, 0, 0, 0.0),
        (0, 0, 100, 0.0),
        (1, 0, 0, 1 / 2**1.5),
        (0, 1, 0, 2 / 2**1.5),  # a comment weighs two likes
        (3, 0, 1, 3 / 3**1.5),
        (10, 2, 10, 14 / 12**1.5),
        (100, 0, 48, 100 / 50**1.5),
        (5, 5, 0.5, 15 / 2.5**1.5),
        (1, 0, -3, 1 / 2**1.5),  # from the future (clock skew): counted as brand new
    ],
)
def test_explore_score(likes: int, comments: int, age: float, expected: float) -> None:
    assert math.isclose(explore_score(likes, comments, age), expected)


@pytest.mark.parametrize(
    ("better", "worse"),
    [
        ((10, 0, 1), (10, 0, 2)),  # same engagement: the newer wins
        ((11, 0, 5), (10, 0, 5)),  # same age: more engagement wins
        ((0, 1, 5), (1, 0, 5)),  # a comment beats a like
        ((3, 0, 1), (100, 0, 48)),  # a little fresh engagement beats an old hit
        ((100, 0, 24), (3, 0, 20)),  # ...but not a much bigger one a few hours older
    ],
)
def test_explore_score_orders(
    better: tuple[int, int, float], worse: tuple[int, int, float]
) -> None:
    assert explore_score(*better) > explore_score(*worse)


@pytest.mark.parametrize(
    ("created", "expected"),
    [(NOW, 0.0), (NOW - timedelta(minutes=90), 1.5), (NOW - timedelta(days=7), 168.0)],
)
def test_age_hours(created: datetime, expected: float) -> None:
    assert age_hours(created, NOW) == expected


def _candidate(post_id: int, hours: float, likes: int = 0, comments: int = 0) -> CandidateRow:
    return CandidateRow(post_id, 1, NOW - timedelta(hours=hours), likes, comments)


@pytest.mark.parametrize(
    ("candidates", "limit", "expected"),
    [
        ([], 10, []),
        ([_candidate(1, 1, likes=1), _candidate(2, 1, likes=5)], 10, [2, 1]),
        ([_candidate(1, 48, likes=100), _candidate(2, 1, likes=3)], 10, [2, 1]),
        ([_candidate(1, 5, comments=5), _candidate(2, 5, likes=9)], 10, [1, 2]),
        # Equal scores (no engagement): newer first, whatever the id order.
        ([_candidate(7, 3), _candidate(8, 1), _candidate(9, 2)], 10, [8, 9, 7]),
        ([_candidate(i, 1, likes=i) for i in range(1, 6)], 2, [5, 4]),
        ([_candidate(1, 1, likes=1)], 0, []),
    ],
)
def test_rank(candidates: list[CandidateRow], limit: int, expected: list[int]) -> None:
    assert [c.post_id for c in rank(candidates, NOW, limit)] == expected


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("abc", "abc"),
        ("a_b", "a\\_b"),
        ("%", "\\%"),
        ("100%", "100\\%"),
        ("\\", "\\\\"),
        ("a\\_", "a\\\\\\_"),  # the backslash is escaped first, so it cannot eat the '_'
        ("_%_", "\\_\\%\\_"),
        ("café", "café"),
        ("", ""),
    ],
)
def test_escape_like(text: str, escaped: str) -> None:
    assert escape_like(text) == escaped


def test_prefix_args() -> None:
    pattern, low, high = prefix_args("a_b")
    assert (pattern, low) == ("a\\_b%", "a_b")
    assert high.startswith("a_b") and len(high) == 4
    # The range holds every name starting with the prefix and nothing else.
    for name, inside in [("a_b", True), ("a_bz", True), ("a_b\uffff", True), ("a_c", False)]:
        assert (low <= name < high) is inside, name


@pytest.mark.parametrize(
    ("raw", "query", "user", "tag"),
    [
        ("ali", "ali", "ali", "ali"),
        ("  ALI ", "ali", "ali", "ali"),
        ("@Ada", "@ada", "ada", "@ada"),
        ("#Sun", "#sun", "#sun", "sun"),
        ("@@ada", "@@ada", "@ada", "@@ada"),  # one sigil only
        ("##sun", "##sun", "##sun", "#sun"),
        ("@", "@", "", "@"),
        ("#", "#", "#", ""),
        ("a_b%", "a_b%", "a_b%", "a_b%"),  # wildcards are escaped later, not removed
        ("x" * 50, "x" * 50, "x" * 50, "x" * 50),
    ],
)
def test_search_query_normalisation(raw: str, query: str, user: str, tag: str) -> None:
    cleaned = search.clean_query(raw)
    assert (cleaned, search.user_prefix(cleaned), search.hashtag_prefix(cleaned)) == (
        query,
        user,
        tag,
    )


@pytest.mark.parametrize("raw", ["", " ", "\t\n", "x" * 51, " " + "y" * 51 + " "])
def test_search_query_length(raw: str) -> None:
    with pytest.raises(AppError) as info:
        search.clean_query(raw)
    assert info.value.code == ErrorCode.BAD_USER_INPUT
    assert info.value.extensions == {"field": "query"}


@pytest.mark.parametrize(
    ("raw", "name"),
    [("sunset", "sunset"), ("#SunSet", "sunset"), (" #sunset ", "sunset"), ("x" * 100, "x" * 100)],
)
def test_hashtag_name(raw: str, name: str) -> None:
    assert hashtag_pages.clean_name(raw) == name


@pytest.mark.parametrize("raw", ["", "   ", "#", "x" * 101])
def test_hashtag_name_refused(raw: str) -> None:
    with pytest.raises(AppError) as info:
        hashtag_pages.clean_name(raw)
    assert info.value.code == ErrorCode.BAD_USER_INPUT


@pytest.mark.parametrize(("version", "position"), [(1, 0), (7, 20), (2**40, 999)])
def test_explore_cursor_round_trip(version: int, position: int) -> None:
    assert explore.decode_cursor(explore.encode_cursor(version, position)) == (version, position)


@pytest.mark.parametrize(
    "cursor",
    [
        encode("explore", 0, 5),
        encode("explore", 3, -1),
        encode("explore", 3),
        encode("hashtag", 3, 5),
        encode("explore", "3", 5),
        "garbage",
    ],
)
def test_explore_cursor_refused(cursor: str) -> None:
    with pytest.raises(AppError) as info:
        explore.decode_cursor(cursor)
    assert info.value.code == ErrorCode.BAD_USER_INPUT
