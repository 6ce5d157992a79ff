"""merge_newest: newest first, no duplicates, at most `limit`; the sort taken for small
inputs answers exactly what the k-way merge answers for large ones."""

from __future__ import annotations

import random

import pytest

from resolvers.feed import merge
from resolvers.feed.merge import merge_newest


@pytest.mark.parametrize(
    ("sources", "limit", "expected"),
    [
        ([], 5, []),
        ([[], []], 5, []),
        ([[9, 7, 5]], 2, [9, 7]),
        ([[9, 7, 5], [8, 6]], 10, [9, 8, 7, 6, 5]),
        ([[9, 7, 5], [8, 6]], 3, [9, 8, 7]),
        ([[9, 7], [9, 8]], 10, [9, 8, 7]),  # a post in two sources once
        ([[5, 5, 3]], 10, [5, 3]),
        ([[3], [2], [1], [4]], 2, [4, 3]),
        ([[9, 7, 5]], 0, []),
    ],
)
def test_merge_newest(sources: list[list[int]], limit: int, expected: list[int]) -> None:
    assert merge_newest(sources, limit) == expected
    assert merge_newest(iter(sources), limit) == expected  # any iterable of sources


@pytest.mark.parametrize("seed", range(40))
def test_the_sort_and_the_k_way_merge_agree(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rnd = random.Random(seed)
    sources = [
        sorted(rnd.sample(range(1, 400), rnd.randrange(0, 30)), reverse=True)
        for _ in range(rnd.randrange(1, 12))
    ]
    limit = rnd.randrange(1, 40)
    sorted_answer = merge_newest(sources, limit)
    monkeypatch.setattr(merge, "SORT_UP_TO", -1)  # the k-way merge, as for large inputs
    assert merge_newest(sources, limit) == sorted_answer
    everything = sorted({i for s in sources for i in s}, reverse=True)
    assert sorted_answer == everything[:limit]
