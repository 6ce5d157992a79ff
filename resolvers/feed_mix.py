"""The ranked feed's diversity pass and discovery mix. Pure functions, no I/O."""

from __future__ import annotations

from collections.abc import Sequence

from resolvers.feed_rank import Ranked

MAX_RUN = 3  # never more consecutive posts by one author
SUGGESTED_EVERY = 10  # every 10th position is a SUGGESTED post when there is a good one


class _Pool:
    """Best-first items; taking one from the middle leaves the others in order."""

    def __init__(self, items: Sequence[Ranked]) -> None:
        self._items = items
        self._taken = [False] * len(items)
        self._head = 0

    def take(self, avoid: int | None) -> Ranked | None:
        """The best item not by `avoid` (an author id; None: any), removed from the pool."""
        items, taken = self._items, self._taken
        while self._head < len(items) and taken[self._head]:
            self._head += 1
        for i in range(self._head, len(items)):
            if not taken[i] and items[i].author_id != avoid:
                taken[i] = True
                return items[i]
        return None

    def __bool__(self) -> bool:
        while self._head < len(self._items) and self._taken[self._head]:
            self._head += 1
        return self._head < len(self._items)


def arrange(
    followed: Sequence[Ranked],
    suggested: Sequence[Ranked],
    *,
    floor: float,
    every: int = SUGGESTED_EVERY,
    max_run: int = MAX_RUN,
) -> list[Ranked]:
    """The feed's order from two best-first lists.

    Position k·`every` (1-based) takes the best suggested post scoring at least `floor`;
    every other position takes the best followed post. No author appears more than
    `max_run` times in a row: the best post by someone else goes first (from the other list
    when its own has nobody else). Once the followed posts are used up, the remaining good
    suggestions follow. Posts that could only extend a run are left out.
    """
    own = _Pool(followed)
    good = _Pool([s for s in suggested if s.score >= floor])
    out: list[Ranked] = []
    run_author: int | None = None
    run = 0
    while own or good:
        position = len(out) + 1
        pools = (good, own) if position % every == 0 or not own else (own, good)
        avoid = run_author if run >= max_run else None
        # When the preferred list has nothing for this position (no good suggestion left,
        # or only the run's author), the other list fills it.
        item = pools[0].take(avoid) or pools[1].take(avoid)
        if item is None:
            break
        out.append(item)
        if item.author_id == run_author:
            run += 1
        else:
            run_author, run = item.author_id, 1
    return out
