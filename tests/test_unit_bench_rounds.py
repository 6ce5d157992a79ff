"""The read benchmark's rounds (bench/readbench/rounds.py): each ratio against its own
round's floor, medians over rounds, counts summed."""

from __future__ import annotations

import importlib.util
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

_PATH = Path(__file__).resolve().parent.parent / "bench" / "readbench" / "rounds.py"
_SPEC = importlib.util.spec_from_file_location("bench_rounds", _PATH)
assert _SPEC is not None and _SPEC.loader is not None
rounds: Any = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = rounds
_SPEC.loader.exec_module(rounds)


@dataclass
class Run:  # the fields of bench/readbench/measure.Measurement the rounds read
    request: str
    workers: int
    api_ms: float
    p95_ms: float
    requests: int
    errors: int
    ratio: float = math.nan
    round_ratios: list[float] = field(default_factory=list)
    pair_ratios: list[float] = field(default_factory=list)


def _round(floor_ms: float, feed_ms: float, p95: float = 10.0, errors: int = 0) -> list[Run]:
    return [
        Run("__typename", 1, floor_ms, 1.0, 1000, 0),
        Run("feed", 1, feed_ms, p95, 100, errors),
    ]


@pytest.mark.parametrize(
    ("each_round", "feed_ratio", "feed_ms"),
    [
        ([_round(1.0, 3.0)], 3.0, 3.0),
        # The floor moved between rounds: each ratio is against its own round's floor.
        ([_round(1.0, 3.0), _round(0.5, 1.6), _round(0.8, 2.0)], 3.0, 2.0),
        ([_round(0.6, 2.4), _round(0.9, 2.7)], 3.5, 2.55),  # an even count: the middle two
    ],
)
def test_ratios_against_each_rounds_floor(
    each_round: list[list[Run]], feed_ratio: float, feed_ms: float
) -> None:
    floor, feed = rounds.combine(each_round, "__typename")
    assert floor.ratio == 1.0
    assert feed.ratio == pytest.approx(feed_ratio)
    assert feed.api_ms == pytest.approx(feed_ms)
    assert len(feed.round_ratios) == len(each_round)


def test_counts_are_summed_and_the_rest_are_medians() -> None:
    each_round = [_round(1.0, 3.0, p95=10, errors=1), _round(1.0, 3.0, p95=30, errors=2)]
    each_round.append(_round(1.0, 3.0, p95=20))
    _, feed = rounds.combine(each_round, "__typename")
    assert (feed.requests, feed.errors, feed.p95_ms) == (300, 3, 20.0)
    assert (feed.request, feed.workers) == ("feed", 1)


def test_no_floor_gives_no_ratio() -> None:
    (feed,) = rounds.combine([[Run("feed", 1, 3.0, 1.0, 10, 0)]], "__typename")
    assert math.isnan(feed.ratio)


def test_rounds_keep_each_rounds_paired_ratio() -> None:
    # The floor's row sums every floor slice; a request's ratio is against its own, which
    # the floor's row does not show: the rounds must keep it, not divide again.
    each_round = [
        [
            Run("__typename", 1, 0.5, 1.0, 9000, 0, 1.0),
            Run("feed", 1, 1.6, 10.0, 3000, 0, 2.9, [], [2.5, 3.1]),
        ],
        [
            Run("__typename", 1, 0.7, 1.0, 9000, 0, 1.0),
            Run("feed", 1, 1.9, 10.0, 3000, 0, 2.7, [], [2.6, 2.8]),
        ],
    ]
    floor, feed = rounds.combine(each_round, "__typename")
    assert floor.ratio == 1.0
    assert feed.ratio == pytest.approx(2.8)
    assert feed.round_ratios == [2.9, 2.7]
    assert feed.pair_ratios == [2.5, 3.1, 2.6, 2.8]


_SPLIT_PATH = _PATH.parent / "split.py"
_SPLIT_SPEC = importlib.util.spec_from_file_location("bench_split", _SPLIT_PATH)
assert _SPLIT_SPEC is not None and _SPLIT_SPEC.loader is not None
split: Any = importlib.util.module_from_spec(_SPLIT_SPEC)
_SPLIT_SPEC.loader.exec_module(split)


@pytest.mark.parametrize(
    ("used", "share"),
    [
        ({"api": 2.0, "api_pid:10": 2.0}, math.nan),  # one process
        ({"api": 2.0, "api_pid:10": 0.0, "api_pid:11": 2.0}, math.nan),  # an idle supervisor
        ({"api": 4.0, "api_pid:10": 0.01, "api_pid:11": 2.0, "api_pid:12": 1.99}, 0.5),
        ({"api": 4.0, "api_pid:11": 3.0, "api_pid:12": 1.0, "postgres": 9.0}, 0.75),
        ({}, math.nan),
    ],
)
def test_the_busiest_workers_share(used: dict[str, float], share: float) -> None:
    measured = split.busiest_share(used)
    if math.isnan(share):
        assert math.isnan(measured)
    else:
        assert measured == pytest.approx(share, abs=0.01)
