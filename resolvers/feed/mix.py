"""The ranked feed's diversity pass and discovery mix. Pure functions, no I/O.

Items are candidate indices (resolvers/feed/rank.py `Ranking`), with their authors and
scores in columns beside them.
"""

from __future__ import annotations

from collections.abc import Sequence

MAX_RUN = 3  # never more consecutive posts by one author
SUGGESTED_EVERY = 10  # every 10th position is a SUGGESTED post when there is a good one


class _Pool:
    """Best-first items; taking one from the middle leaves the others in order. Items passed
    over (by the run's author) wait in `deferred`, ahead of the rest, for the next position."""

    __slots__ = ("authors", "deferred", "head", "items", "left")

    def __init__(self, items: Sequence[int], authors: Sequence[int]) -> None:
        self.items, self.authors = items, authors
        self.head = 0
        self.deferred: list[int] = []
        self.left = len(items)

    def take(self, avoid: int | None) -> int | None:
        """The best item not by `avoid` (an author id; None: any), removed from the pool."""
        authors, deferred = self.authors, self.deferred
        for i, item in enumerate(deferred):
            if authors[item] != avoid:
                self.left -= 1
                return deferred.pop(i)
        items = self.items
        while self.head < len(items):
            item = items[self.head]
            self.head += 1
            if authors[item] != avoid:
                self.left -= 1
                return item
            deferred.append(item)
        return None


def arrange(
    followed: Sequence[int],
    suggested: Sequence[int],
    authors: Sequence[int],
    scores: Sequence[float],
    *,
    floor: float,
    every: int = SUGGESTED_EVERY,
    max_run: int = MAX_RUN,
) -> list[int]:
    """The feed's order from two best-first lists of items (`authors[i]`, `scores[i]`).

    Position k·`every` (1-based) takes the best suggested item scoring at least `floor`;
    every other position takes the best followed item. No author appears more than
    `max_run` times in a row: the best item by someone else goes first (from the other list
    when its own has nobody else). Once the followed items are used up, the remaining good
    suggestions follow. Items that could only extend a run are left out.
    """
    own = _Pool(followed, authors)
    good = _Pool([i for i in suggested if scores[i] >= floor], authors)
    out: list[int] = []
    run_author: int | None = None
    run = 0
    while own.left or good.left:
        position = len(out) + 1
        pools = (good, own) if position % every == 0 or not own.left else (own, good)
        avoid = run_author if run >= max_run else None
        # When the preferred list has nothing for this position (no good suggestion left,
        # or only the run's author), the other list fills it.
        item = pools[0].take(avoid)
        if item is None:
            item = pools[1].take(avoid)
            if item is None:
                break
        out.append(item)
        author = authors[item]
        if author == run_author:
            run += 1
        else:
            run_author, run = author, 1
    return out
