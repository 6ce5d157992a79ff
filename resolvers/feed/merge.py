"""Pure feed logic: merging newest-first id lists and planning fan-out."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from itertools import chain

# Up to this many ids in all, one sort in C beats heapq.merge, a generator in Python (a feed
# page merges its cached ids with a few celebrities' timelines of ~21 ids each).
SORT_UP_TO = 1024


def merge_newest(sources: Iterable[Sequence[int]], limit: int) -> list[int]:
    """K-way merge of newest-first (descending) id lists, without duplicates.

    Correct when every source holds its own newest `limit` ids below the same bound.
    """
    if limit <= 0:
        return []
    sources = list(sources)
    if sum(map(len, sources)) <= SORT_UP_TO:
        return sorted(set(chain.from_iterable(sources)), reverse=True)[:limit]
    merged: list[int] = []
    last: int | None = None
    for post_id in heapq.merge(*sources, reverse=True):
        if post_id == last:
            continue
        merged.append(post_id)
        last = post_id
        if len(merged) == limit:
            break
    return merged


def is_celebrity(follower_count: int, threshold: int) -> bool:
    """Celebrities are merged at read instead of fanned out on write."""
    return follower_count >= threshold


def below(ids: Sequence[int], before: int | None, limit: int) -> list[int]:
    """The first `limit` ids of a newest-first list that are older than `before`."""
    if before is None:
        return list(ids[:limit])
    return [i for i in ids if i < before][:limit]
