"""The ranked home feed's score. Pure functions, no I/O.

A candidate's score is a product of factors, each from an aggregate Snapfeed keeps as
likes, comments and follows happen (nothing scans a viewer's history per request):

    score = 2^(-age_hours / half_life_hours)                                    recency
          · (1 + 3 · viewer's likes and comments on the author / (author's posts + 3))^affinity
          · e^(mutual · [the author follows the viewer back])
          · (1 + 10 · post's likes and comments / ((author's followers + 20) · reach))^engagement
          · (1 + likes and comments from people the viewer follows)^social
          · (3 · share of the viewer's likes on this kind of post)^kind
          · e^(-seen · [shown in an earlier ranked session, or liked already])

A comment counts as two likes. Affinity is per post of the author, so a prolific author is
not a close one for that alone. Engagement is relative to the author's audience and to
`reach` = 1 - e^(-(age_hours + 1) / 24) (at least 0.05), the share of its likes a post has
had time to collect: a fresh post is not outranked by an old one merely for being fresh.
The share of a kind (photo, video, carousel) is smoothed, (likes on it + 1) / (all + 3), so
a viewer with no likes is neutral (factor 1) and a kind the viewer likes more than a third
of the time lifts it. Candidates are compared by the logarithm of the score (a sum: cheap,
no overflow). The exponents are `Weights`, set by SNAPFEED_FEED_RANK_WEIGHTS; the defaults
were chosen with bench/ranking.py.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from storage.snowflake import EPOCH_MS, SEQUENCE_BITS

LN2 = math.log(2)
ENGAGEMENT_SCALE = 10.0  # an engagement rate of 10 % of the audience counts as ln 2
AUDIENCE_PRIOR = 20  # followers added to every author, so a tiny audience is not a signal
REACH_HOURS = 24.0  # posts collect most of their likes within a day or two
MIN_REACH = 0.05
AFFINITY_SCALE = 3.0
AFFINITY_PRIOR = 3  # posts added to every author, so one like on one post is no bond
COMMENT_WEIGHT = 2  # a comment says more than a tap, here as in explore

# Candidates: the newest posts of the viewer's feed, no older than the window, plus discovery.
# With an 8-hour half-life the newest 200 hold the first pages; bench/ranking.py ranks as
# well from 150 as from 500, and the feed goes on newest first after them.
WINDOW_DAYS = 7
FEED_CANDIDATES = 200

# Kinds of post, as the candidate query numbers them.
PHOTO, VIDEO, CAROUSEL = 0, 1, 2
KINDS = (PHOTO, VIDEO, CAROUSEL)


@dataclass(frozen=True)
class Weights:
    half_life_hours: float = 8.0
    affinity: float = 2.0
    mutual: float = 0.4
    engagement: float = 0.3
    social: float = 0.3
    kind: float = 0.5
    seen: float = 3.0
    # A SUGGESTED post needs at least this log-score to be mixed in (-1.4: as good as a
    # stranger's post nobody engaged with, 16 hours old with an 8-hour half-life).
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


def reach(age_hours: float) -> float:
    """The share of its likes a post of this age has had time to collect."""
    return max(MIN_REACH, 1 - math.exp(-(age_hours + 1) / REACH_HOURS))


def log_score(
    weights: Weights,
    *,
    age_hours: float,
    affinity: int,
    author_posts: int,
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
    age = max(age_hours, 0.0)
    rate = engagement / ((followers + AUDIENCE_PRIOR) * reach(age))
    return (
        -LN2 * age / w.half_life_hours
        + w.affinity * math.log1p(AFFINITY_SCALE * affinity / (author_posts + AFFINITY_PRIOR))
        + (w.mutual if mutual else 0.0)
        + w.engagement * math.log1p(ENGAGEMENT_SCALE * rate)
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
    author_posts: list[int]  # the author's post count
    mutual: list[bool]  # the author follows the viewer
    kinds: list[int]  # PHOTO, VIDEO or CAROUSEL


@dataclass(frozen=True)
class ViewerSignals:
    kind_likes: tuple[int, int, int]  # the viewer's likes on photos, videos, carousels
    seen: Collection[int]  # shown in the viewer's earlier ranked sessions, or liked already
    social: Mapping[int, int]  # post id -> likes and comments from people the viewer follows


def score_all(c: Candidates, s: ViewerSignals, w: Weights, now_ms: int) -> list[float]:
    """`log_score` of every candidate, in order: the same formula, inlined for speed (a
    session ranks hundreds of candidates within the request)."""
    per_hour = 1 / 3_600_000
    decay = LN2 / w.half_life_hours
    kind = [w.kind * t for t in kind_terms(s.kind_likes)]
    w_engagement, w_affinity, w_mutual = w.engagement, w.affinity, w.mutual
    w_social, w_seen = w.social, w.seen
    log1p, exp = math.log1p, math.exp
    seen, social = s.seen, s.social
    # The age of an id in ms: `now_ms - ms_of(post_id)`, with the shift done inline.
    base = now_ms - EPOCH_MS
    bonds: dict[tuple[int, int, bool], float] = {}
    scores: list[float] = []
    append = scores.append
    for post_id, engagement, followers, affinity, posts, mutual, k in zip(
        c.post_ids,
        c.engagement,
        c.followers,
        c.affinity,
        c.author_posts,
        c.mutual,
        c.kinds,
        strict=True,
    ):
        age = (base - (post_id >> SEQUENCE_BITS)) * per_hour
        if age < 0:
            age = 0.0
        score = kind[k] - decay * age
        if engagement:
            reach = 1 - exp(-(age + 1) / REACH_HOURS)
            if reach < MIN_REACH:
                reach = MIN_REACH
            score += w_engagement * log1p(
                ENGAGEMENT_SCALE * engagement / ((followers + AUDIENCE_PRIOR) * reach)
            )
        if affinity or mutual:
            key = (affinity, posts, mutual)  # an author's posts share their author's terms
            bond = bonds.get(key)
            if bond is None:
                bond = bonds[key] = w_affinity * log1p(
                    AFFINITY_SCALE * affinity / (posts + AFFINITY_PRIOR)
                ) + (w_mutual if mutual else 0.0)
            score += bond
        if post_id in social:
            score += w_social * log1p(social[post_id])
        if post_id in seen:
            score -= w_seen
        append(score)
    return scores


@dataclass(slots=True)
class Ranking:
    """Candidates by index (into `Candidates`' columns), each list best first."""

    scores: list[float]  # log-scores, by candidate index
    followed: list[int]
    suggested: list[int]


def rank(c: Candidates, s: ViewerSignals, w: Weights, now_ms: int) -> Ranking:
    """Followed and suggested candidates, each best first; equal scores put the newer first.

    Indices, not objects: a session ranks hundreds of candidates per request, and every
    object made here is one more for the garbage collector to look at."""
    scores = score_all(c, s, w, now_ms)
    newest_first = sorted(range(len(scores)), key=c.post_ids.__getitem__, reverse=True)
    flags = c.followed
    followed = [i for i in newest_first if flags[i]]
    suggested = [i for i in newest_first if not flags[i]]
    # Stable (reverse too): among equal scores the newer stays first.
    followed.sort(key=scores.__getitem__, reverse=True)
    suggested.sort(key=scores.__getitem__, reverse=True)
    return Ranking(scores, followed, suggested)
