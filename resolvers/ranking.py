"""Explore ranking: engagement with time decay. Pure functions."""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable
from datetime import datetime

from storage.explore import CandidateRow

LIKE_WEIGHT = 1
COMMENT_WEIGHT = 2  # a comment costs more effort than a tap, so it says more
AGE_OFFSET_HOURS = 2.0  # keeps a brand-new post's score finite and its lead modest
GRAVITY = 1.5


def engagement(likes: int, comments: int) -> int:
    return LIKE_WEIGHT * likes + COMMENT_WEIGHT * comments


def explore_score(likes: int, comments: int, age_hours: float) -> float:
    """(likes + 2*comments) / (age_hours + 2)^1.5; a post from the future counts as new."""
    age = max(age_hours, 0.0)
    return engagement(likes, comments) / math.pow(age + AGE_OFFSET_HOURS, GRAVITY)


def age_hours(created_at: datetime, now: datetime) -> float:
    return (now - created_at).total_seconds() / 3600


def rank(candidates: Iterable[CandidateRow], now: datetime, limit: int) -> list[CandidateRow]:
    """The `limit` best candidates, best first; equal scores put the newer post first."""
    return heapq.nlargest(
        limit,
        candidates,
        key=lambda c: (
            explore_score(c.likes, c.comments, age_hours(c.created_at, now)),
            c.created_at,
            c.post_id,
        ),
    )
