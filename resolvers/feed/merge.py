"""Pure feed logic: merging newest-first id lists and planning fan-out."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence


def merge_newest(sources: Iterable[Sequence[int]], limit: int) -> list[int]:
    """K-way merge of newest-first (descending) id lists, without duplicates.

    Correct when every source holds its own newest `limit` ids below the same bound.
    """
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
