"""The ranked home feed's score. Pure functions, no I/O.

A candidate's score is a product of factors, each from an aggregate Snapfeed keeps as
likes, comments and follows happen (nothing scans a viewer's history per request):

    score = 2^(-age_hours / half_life_hours)                      recency
          · (1 + viewer's likes + 2·comments on the author)^affinity
          · e^(mutual · [the author follows the viewer back])
          · (1 + 10 · (likes + 2·comments) / (author's followers + 20))^engagement
          · (1 + likes from people the viewer follows)^social
          · (3 · share of the viewer's likes on this kind of post)^kind
          · e^(-seen · [shown in an earlier ranked session])

The share of a kind (photo, video, carousel) is smoothed, (likes on it + 1) / (all + 3), so
a viewer with no likes is neutral (factor 1) and a kind the viewer likes more than a third
of the time lifts it. Candidates are compared by the logarithm of the score (a sum: cheap,
no overflow). The exponents are `Weights`, set by SNAPFEED_FEED_RANK_WEIGHTS.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from storage.snowflake import ms_of

LN2 = math.log(2)
ENGAGEMENT_SCALE = 10.0  # an engagement rate of 10 % of the audience counts as ln 2
AUDIENCE_PRIOR = 20  # followers added to every author, so a tiny audience is not a signal
COMMENT_WEIGHT = 2  # a comment says more than a tap, here as in explore

# Candidates: the newest posts of the viewer's feed, no older than the window, plus discovery.
WINDOW_DAYS = 7
FEED_CANDIDATES = 500

# Kinds of post, as the candidate query numbers them.
PHOTO, VIDEO, CAROUSEL = 0, 1, 2
KINDS = (PHOTO, VIDEO, CAROUSEL)


@dataclass(frozen=True)
class Weights:
    half_life_hours: float = 12.0
    affinity: float = 0.8
    mutual: float = 0.4
    engagement: float = 0.7
    social: float = 0.6
    kind: float = 0.5
    seen: float = 1.5
    # A SUGGESTED post needs at least this log-score to be mixed in (-1.4: as good as a
    # post of a stranger's, liked by nobody, 24 hours old with a 12-hour half-life).
    suggested_floor: float = -1.4


@functools.lru_cache(maxsize=8)
def parse_weights(text: str) -> Weights:
    """`name=value,...` over the defaults; ValueError for an unknown name or a bad value."""
    known = {f.name for f in dataclasses.fields(Weights)}
    values: dict[str, float] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        name, sep, raw = part.partition("=")
        name = name.strip()
        if not sep or name not in known:
            raise ValueError(f"unknown feed rank weight {part.strip()!r} (known: {sorted(known)})")
        value = float(raw)
        if not math.isfinite(value):
            raise ValueError(f"feed rank weight {name} must be finite")
        values[name] = value
    weights = Weights(**values)
    if weights.half_life_hours <= 0:
        raise ValueError("feed rank weight half_life_hours must be positive")
    return weights


def kind_terms(kind_likes: Sequence[int]) -> tuple[float, ...]:
    """ln(3 · smoothed share) per kind: 0 for a viewer without likes."""
    total = sum(kind_likes)
    return tuple(math.log(3 * (n + 1) / (total + 3)) for n in kind_likes)


def log_score(
    weights: Weights,
    *,
    age_hours: float,
    affinity: int,
    mutual: bool,
    engagement: int,
    followers: int,
    social: int,
    kind_term: float,
    seen: bool,
) -> float:
    """The logarithm of the score of one candidate (see the module docstring).

    `affinity` and `engagement` are already likes + 2·comments; an age below 0 (clock skew)
    counts as 0.
    """
    w = weights
    return (
        -LN2 * max(age_hours, 0.0) / w.half_life_hours
        + w.affinity * math.log1p(affinity)
        + (w.mutual if mutual else 0.0)
        + w.engagement * math.log1p(ENGAGEMENT_SCALE * engagement / (followers + AUDIENCE_PRIOR))
        + w.social * math.log1p(social)
        + w.kind * kind_term
        - (w.seen if seen else 0.0)
    )


@dataclass(slots=True)
class Candidates:
    """Candidate posts as columns (index i is one post), as the candidate query returns them."""

    post_ids: list[int]
    author_ids: list[int]
    followed: list[bool]  # from the viewer's own feed; False: a discovery candidate
    engagement: list[int]  # likes + 2·comments
    followers: list[int]  # the author's follower count
    affinity: list[int]  # the viewer's likes + 2·comments on the author's posts
    mutual: list[bool]  # the author follows the viewer
    kinds: list[int]  # PHOTO, VIDEO or CAROUSEL


@dataclass(frozen=True)
class ViewerSignals:
    kind_likes: tuple[int, int, int]  # the viewer's likes on photos, videos, carousels
    seen: Collection[int]  # post ids shown in the viewer's earlier ranked sessions
    social: Mapping[int, int]  # post id -> likes and comments from people the viewer follows


class Ranked(NamedTuple):
    post_id: int
    author_id: int
    score: float  # log-score
    suggested: bool


def score_all(c: Candidates, s: ViewerSignals, w: Weights, now_ms: int) -> list[float]:
    """`log_score` of every candidate, in order: the same formula, inlined for speed (a
    session ranks hundreds of candidates within the request)."""
    decay = LN2 / w.half_life_hours / 3_600_000
    kind = [w.kind * t for t in kind_terms(s.kind_likes)]
    log1p = math.log1p
    seen, social = s.seen, s.social
    scores: list[float] = []
    append = scores.append
    for post_id, engagement, followers, affinity, mutual, k in zip(
        c.post_ids, c.engagement, c.followers, c.affinity, c.mutual, c.kinds, strict=True
    ):
        score = (
            -decay * max(now_ms - ms_of(post_id), 0)
            + w.engagement * log1p(ENGAGEMENT_SCALE * engagement / (followers + AUDIENCE_PRIOR))
            + kind[k]
        )
        if affinity:
            score += w.affinity * log1p(affinity)
        if mutual:
            score += w.mutual
        liked = social.get(post_id)
        if liked:
            score += w.social * log1p(liked)
        if post_id in seen:
            score -= w.seen
        append(score)
    return scores


def rank(
    c: Candidates, s: ViewerSignals, w: Weights, now_ms: int
) -> tuple[list[Ranked], list[Ranked]]:
    """(followed, suggested) candidates, each best first; equal scores put the newer first."""
    scores = score_all(c, s, w, now_ms)
    followed: list[Ranked] = []
    suggested: list[Ranked] = []
    for post_id, author_id, is_followed, score in zip(
        c.post_ids, c.author_ids, c.followed, scores, strict=True
    ):
        if is_followed:
            followed.append(Ranked(post_id, author_id, score, False))
        else:
            suggested.append(Ranked(post_id, author_id, score, True))
    followed.sort(key=_order, reverse=True)
    suggested.sort(key=_order, reverse=True)
    return followed, suggested


def _order(r: Ranked) -> tuple[float, int]:
    return r.score, r.post_id
