"""The ranked feed's pure parts: the score, its weights, ranking and the diversity pass."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from resolvers.feed.mix import arrange
from resolvers.feed.rank import (
    CAROUSEL,
    LN2,
    PHOTO,
    VIDEO,
    Candidates,
    Ranking,
    ViewerSignals,
    Weights,
    kind_terms,
    log_score,
    parse_weights,
    rank,
    reach,
    score_all,
)
from storage.snowflake import first_id_at, ms_of

W = Weights()
NOW_MS = 1_780_000_000_000
HOUR_MS = 3_600_000

BASE = {
    "age_hours": 0.0,
    "affinity": 0,
    "author_posts": 0,
    "mutual": False,
    "engagement": 0,
    "followers": 0,
    "social": 0,
    "kind_term": 0.0,
    "seen": False,
}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, 0.0),
        ({"age_hours": W.half_life_hours}, -LN2),  # one half-life: half the score
        ({"age_hours": 3 * W.half_life_hours}, -3 * LN2),
        ({"age_hours": -5.0}, 0.0),  # from the future (clock skew): brand new
        ({"affinity": 1}, W.affinity * LN2),  # 3 · 1 / (0 + 3) = 1
        ({"affinity": 3}, W.affinity * math.log(4)),
        ({"affinity": 3, "author_posts": 6}, W.affinity * LN2),  # per post of the author
        ({"mutual": True}, W.mutual),
        # A new post has had little reach yet (the floor, 5 %): its likes count for more.
        ({"engagement": 2, "followers": 0}, W.engagement * math.log1p(10 * 2 / (20 * 0.05))),
        (
            {"engagement": 2, "followers": 180, "age_hours": 47.0},
            -47 * LN2 / W.half_life_hours
            + W.engagement * math.log1p(10 * 2 / (200 * (1 - math.exp(-2)))),
        ),
        ({"social": 1}, W.social * LN2),
        ({"kind_term": math.log(1.5)}, W.kind * math.log(1.5)),
        ({"seen": True}, -W.seen),
        (
            {"age_hours": W.half_life_hours, "affinity": 1, "seen": True},
            -LN2 + W.affinity * LN2 - W.seen,
        ),
    ],
)
def test_log_score(changes: dict[str, object], expected: float) -> None:
    assert math.isclose(log_score(W, **{**BASE, **changes}), expected, abs_tol=1e-12)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("better", "worse"),
    [
        ({"age_hours": 1.0}, {"age_hours": 2.0}),  # all else equal: the newer
        ({"affinity": 2}, {"affinity": 1}),  # an author the viewer engages with more
        ({"mutual": True}, {}),
        ({"engagement": 10, "followers": 100}, {"engagement": 10, "followers": 1000}),
        ({"affinity": 5, "author_posts": 5}, {"affinity": 5, "author_posts": 50}),
        ({"social": 2}, {"social": 0}),  # liked by people the viewer follows
        ({}, {"seen": True}),  # shown in an earlier session: demoted
        # An author the viewer often likes beats a stranger's post a few hours newer...
        ({"affinity": 10, "age_hours": 4.0}, {"age_hours": 0.0}),
        # ...but not one three days newer.
        ({"age_hours": 0.0}, {"affinity": 10, "age_hours": 72.0}),
    ],
)
def test_score_orders(better: dict[str, object], worse: dict[str, object]) -> None:
    assert log_score(W, **{**BASE, **better}) > log_score(W, **{**BASE, **worse})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("age", "expected"),
    [(0.0, 0.05), (1.0, 1 - math.exp(-2 / 24)), (23.0, 1 - math.exp(-1)), (1e4, 1.0)],
)
def test_reach(age: float, expected: float) -> None:
    assert math.isclose(reach(age), expected)


@pytest.mark.parametrize(
    ("likes", "expected"),
    [
        ((0, 0, 0), (0.0, 0.0, 0.0)),  # no likes: neutral
        ((3, 3, 3), (0.0, 0.0, 0.0)),  # equal shares: neutral
        ((9, 0, 0), (math.log(30 / 12), math.log(3 / 12), math.log(3 / 12))),
        ((0, 1, 0), (math.log(3 / 4), math.log(6 / 4), math.log(3 / 4))),
    ],
)
def test_kind_terms(likes: tuple[int, int, int], expected: tuple[float, ...]) -> None:
    assert all(math.isclose(a, b) for a, b in zip(kind_terms(likes), expected, strict=True))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", W),
        (" ", W),
        ("affinity=2", Weights(affinity=2.0)),
        ("half_life_hours=6, seen=0 ,social=1.5", Weights(half_life_hours=6, seen=0, social=1.5)),
        ("suggested_floor=-3", Weights(suggested_floor=-3.0)),
    ],
)
def test_parse_weights(text: str, expected: Weights) -> None:
    assert parse_weights(text) == expected


@pytest.mark.parametrize(
    "text", ["recency=1", "affinity", "affinity=x", "seen=nan", "half_life_hours=0", "social=inf"]
)
def test_parse_weights_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_weights(text)


def post_id(hours_ago: float, seq: int = 0) -> int:
    return first_id_at(NOW_MS - int(hours_ago * HOUR_MS)) + seq


Row = tuple[int, int, bool, int, int, int, int, bool, int]


def candidates(rows: list[Row]) -> Candidates:
    columns: list[tuple[object, ...]] = list(zip(*rows, strict=True)) if rows else [()] * 9
    return Candidates(*[list(c) for c in columns])  # type: ignore[arg-type]


SIGNALS = ViewerSignals(kind_likes=(1, 8, 0), seen={post_id(3)}, social={post_id(2): 3})


def test_score_all_is_log_score_for_every_candidate() -> None:
    rows: list[Row] = [
        # post, author, followed, engagement, followers, affinity, author posts, mutual, kind
        (post_id(0.5), 1, True, 0, 0, 0, 4, False, PHOTO),
        (post_id(2), 2, True, 14, 300, 5, 12, True, VIDEO),
        (post_id(3), 3, False, 40, 10, 0, 0, False, CAROUSEL),
        (post_id(30), 1, True, 3, 0, 2, 4, False, VIDEO),
        (post_id(-1), 4, False, 7, 5_000_000, 0, 1, False, PHOTO),
    ]
    terms = kind_terms(SIGNALS.kind_likes)
    expected = [
        log_score(
            W,
            age_hours=(NOW_MS - ms_of(p)) / HOUR_MS,
            affinity=aff,
            author_posts=posts,
            mutual=mutual,
            engagement=eng,
            followers=fol,
            social=SIGNALS.social.get(p, 0),
            kind_term=terms[kind],
            seen=p in SIGNALS.seen,
        )
        for p, _, _, eng, fol, aff, posts, mutual, kind in rows
    ]
    got = score_all(candidates(rows), SIGNALS, W, NOW_MS)
    assert all(math.isclose(a, b, abs_tol=1e-9) for a, b in zip(got, expected, strict=True))


def test_rank_splits_followed_from_suggested_best_first() -> None:
    rows: list[Row] = [
        (post_id(10), 1, True, 0, 0, 0, 0, False, PHOTO),
        (post_id(1), 2, True, 0, 0, 0, 0, False, PHOTO),
        (post_id(5), 3, False, 0, 0, 0, 0, False, PHOTO),
        (post_id(2, 1), 4, False, 0, 0, 0, 0, False, PHOTO),
        (post_id(2, 2), 5, False, 0, 0, 0, 0, False, PHOTO),  # same score as the one above
    ]
    c = candidates(rows)
    ranking = rank(c, ViewerSignals((0, 0, 0), (), {}), W, NOW_MS)
    assert [c.author_ids[i] for i in ranking.followed] == [2, 1]
    assert [c.author_ids[i] for i in ranking.suggested] == [5, 4, 3]  # a tie: the newer first
    assert ranking.scores == score_all(c, ViewerSignals((0, 0, 0), (), {}), W, NOW_MS)
    assert rank(candidates([]), SIGNALS, W, NOW_MS) == Ranking([], [], [])


class Lists:
    """Two best-first lists from strings, as columns. Letters are authors (A and a are the
    same author); a suggested x, y or z scores below the floor."""

    def __init__(self, followed: str, suggested: str) -> None:
        letters = followed + suggested
        self.authors = [ord(a.lower()) for a in letters]
        self.scores = [-float(i) for i in range(len(followed))] + [
            -10.0 if a in "xyz" else -float(i) for i, a in enumerate(suggested)
        ]
        self.followed = list(range(len(followed)))
        self.suggested = list(range(len(followed), len(letters)))
        self.letters = followed.upper() + suggested.lower()

    def arrange(self, **options: Any) -> list[int]:
        return arrange(self.followed, self.suggested, self.authors, self.scores, **options)

    def shown(self, items: list[int]) -> str:
        return "".join(self.letters[i] for i in items)


@pytest.mark.parametrize(
    ("followed", "suggested", "every", "expected"),
    [
        ("", "", 10, ""),
        ("ABC", "", 10, "ABC"),
        ("AAAAB", "", 10, "AAABA"),  # a fourth A in a row waits for B
        ("AAAAA", "", 10, "AAA"),  # nobody else: the rest of A's posts are left out
        ("AAAAA", "b", 10, "AAAbAA"),  # a suggestion breaks the run
        ("ABCDEFGHIJKL", "m", 10, "ABCDEFGHImJKL"),  # the tenth position is suggested
        ("ABCDEFGHIJKLMNOPQRSTU", "vw", 10, "ABCDEFGHIvJKLMNOPQRwSTU"),
        ("ABCDEFGHIJKL", "x", 10, "ABCDEFGHIJKL"),  # not good enough: never shown
        ("ABCDEFGHIJKL", "xm", 10, "ABCDEFGHImJKL"),  # the good one, not the first one
        ("ABC", "mn", 10, "ABCmn"),  # followed posts used up: good suggestions follow
        ("ABC", "mx", 10, "ABCm"),
        ("", "mn", 10, "mn"),  # a viewer who follows nobody
        ("AAAB", "a", 4, "AAABa"),  # a suggested A would make a run of four: B first
        ("ABCAB", "c", 3, "ABcCAB"),
        ("ABCDEF", "", 1, "ABCDEF"),  # every position suggested, none to give
        ("AAAABBBBA", "", 10, "AAABABBBA"),  # a post passed over returns once it may
    ],
)
def test_arrange(followed: str, suggested: str, every: int, expected: str) -> None:
    lists = Lists(followed, suggested)
    assert lists.shown(lists.arrange(floor=-5.0, every=every)) == expected


@pytest.mark.parametrize("seed", range(20))
def test_arrange_keeps_its_promises_on_random_feeds(seed: int) -> None:
    rnd = random.Random(seed)
    lists = Lists(
        "".join(rnd.choices("AAAABBC", k=rnd.randrange(60))),
        "".join(rnd.choices("abdxyz", k=rnd.randrange(12))),
    )
    out = lists.arrange(floor=-5.0)
    assert len(set(out)) == len(out)  # nothing twice
    assert set(out) <= set(lists.followed + lists.suggested)
    assert all(lists.scores[i] >= -5.0 for i in out if i in lists.suggested)  # only good ones
    runs = [len(run) for run in _runs([lists.authors[i] for i in out])]
    assert max(runs, default=0) <= 3
    # Followed posts keep their relative order unless a run pushed one back.
    if len({lists.authors[i] for i in lists.followed}) == len(lists.followed):
        kept = [i for i in out if i in lists.followed]
        assert kept == sorted(kept)


def _runs(authors: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for a in authors:
        if runs and runs[-1][0] == a:
            runs[-1].append(a)
        else:
            runs.append([a])
    return runs


@pytest.mark.parametrize(
    ("unix_ms", "expected"),
    [(1_735_689_600_000, 0), (1_735_689_600_001, 1 << 22), (0, 0)],
)
def test_snowflake_bounds(unix_ms: int, expected: int) -> None:
    assert first_id_at(unix_ms) == expected
    assert ms_of(first_id_at(NOW_MS) + 12345) == NOW_MS
