"""Runs of one author's consecutive rows in a feed scan (Cassandra purges them as ranges)."""

from __future__ import annotations

import pytest

from storage.feeds.cassandra import AuthorRuns

GONE, KEPT = 7, 8


def rows(authors: str, top: int = 100) -> list[tuple[int, int]]:
    """Rows newest first from a string: 'g' is a post of GONE, 'k' of KEPT; ids count down."""
    return [(top - i, GONE if a == "g" else KEPT) for i, a in enumerate(authors)]


@pytest.mark.parametrize(
    ("pages", "expected"),
    [
        ([""], []),
        (["kkk"], []),
        (["g"], [(100, 100)]),
        (["ggg"], [(100, 98)]),
        (["kgk"], [(99, 99)]),
        (["gkgg", "kg"], [(100, 100), (98, 97), (95, 95)]),
        # A run that goes on across a page boundary is one run.
        (["kgg", "ggk"], [(99, 96)]),
        (["ggg", "ggg"], [(100, 95)]),
        # An empty page (tombstones only) does not end a run.
        (["gg", "", "gk"], [(100, 98)]),
    ],
)
def test_runs(pages: list[str], expected: list[tuple[int, int]]) -> None:
    runs = AuthorRuns()
    found: list[tuple[int, int]] = []
    top = 100
    for page in pages:
        found += runs.feed(rows(page, top), GONE)
        top -= len(page)
    found += runs.close()
    assert found == expected
    assert runs.close() == []  # closing again finds nothing more
