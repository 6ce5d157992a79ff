"""The read benchmark's paired slices (bench/readbench/pairs.py): the floor and a request take
turns, and a ratio is of the totals of their slices."""

from __future__ import annotations

import importlib
import math
import sys
from pathlib import Path
from typing import Any

import pytest

_BENCH = Path(__file__).resolve().parent.parent / "bench"
if str(_BENCH) not in sys.path:
    sys.path.append(str(_BENCH))

# Not packages mypy checks (the benchmarks are scripts with their own environment).
pairs: Any = importlib.import_module("readbench.pairs")
wrk: Any = importlib.import_module("readbench.wrk")
report: Any = importlib.import_module("readbench.report")


def _result(requests: int, p95: float = 10.0, mean: float = 5.0, errors: int = 0) -> Any:
    return wrk.WrkResult(
        requests=requests,
        seconds=1.0,
        req_per_s=float(requests),
        mean_ms=mean,
        max_ms=p95 * 2,
        p50_ms=p95 / 2,
        p90_ms=p95 * 0.9,
        p95_ms=p95,
        p99_ms=p95 * 1.5,
        socket_errors=0,
        bad_status=errors,
        gql_errors=0,
    )


def _slice(requests: int, api_seconds: float, **used: float) -> Any:
    return pairs.Slice(_result(requests), {"api": api_seconds, **used}, 0.01)


@pytest.mark.parametrize(
    ("floor", "page", "ratio", "per_pair"),
    [
        # The host twice as slow in the second pair: both sides pay it, the ratio holds.
        ([(1000, 0.5), (1000, 1.0)], [(400, 0.6), (400, 1.2)], 3.0, [3.0, 3.0]),
        # Totals, not a mean of the pairs' ratios: a pair with more requests weighs more.
        ([(1000, 0.5), (500, 0.5)], [(500, 0.75), (500, 1.5)], 3.375, [3.0, 3.0]),
        ([(1000, 0.5), (1000, 0.5)], [(500, 0.5), (500, 1.0)], 3.0, [2.0, 4.0]),
        # A floor slice without CPU (a reading between two clock ticks) has no pair ratio.
        ([(10, 0.0), (1000, 1.0)], [(100, 0.2), (100, 0.3)], 2.5 * 1.01, [math.nan, 3.0]),
    ],
)
def test_ratio_of_totals_and_per_pair(
    floor: list[tuple[int, float]],
    page: list[tuple[int, float]],
    ratio: float,
    per_pair: list[float],
) -> None:
    f = [_slice(n, s) for n, s in floor]
    r = [_slice(n, s) for n, s in page]
    assert pairs.ratio_of_totals(f, r) == pytest.approx(ratio)
    got = pairs.pair_ratios(f, r)
    assert len(got) == len(per_pair)
    for g, want in zip(got, per_pair, strict=True):
        assert (math.isnan(g) and math.isnan(want)) or g == pytest.approx(want)


def test_a_floor_without_cpu_gives_no_ratio() -> None:
    assert math.isnan(pairs.ratio_of_totals([_slice(100, 0.0)], [_slice(100, 0.3)]))


@pytest.mark.parametrize(
    ("pair", "floor_first"), [(0, True), (1, False), (2, True), (3, False), (10, True)]
)
def test_the_floor_and_the_request_take_turns_going_first(pair: int, floor_first: bool) -> None:
    assert pairs.floor_first(pair) is floor_first


def test_used_is_summed_by_key() -> None:
    merged = pairs.merged_used(
        [_slice(1, 0.5, postgres=0.25, api_sleeps=3.0), _slice(1, 0.25, valkey=0.125)]
    )
    assert merged == {"api": 0.75, "postgres": 0.25, "api_sleeps": 3.0, "valkey": 0.125}


def test_wrk_results_merge_counts_and_take_the_median_percentile() -> None:
    merged = pairs.merged_result(
        [_result(100, p95=10, mean=2), _result(300, p95=30, mean=6, errors=2), _result(200, 20)]
    )
    assert (merged.requests, merged.seconds, merged.bad_status) == (600, 3.0, 2)
    assert merged.req_per_s == pytest.approx(200.0)
    assert merged.p95_ms == 20
    assert merged.max_ms == 60
    assert merged.mean_ms == pytest.approx((100 * 2 + 300 * 6 + 200 * 5) / 600)
    with pytest.raises(ValueError):
        pairs.merged_result([])


@pytest.mark.parametrize(
    ("run", "text"),
    [
        ({"phase": "ratio", "ratio": 2.5}, "2.50x"),
        (
            {"phase": "ratio", "ratio": 2.5, "round_ratios": [2.4, 2.5, 2.9]},
            "2.50x (rounds 2.40-2.90)",
        ),
        (
            {"phase": "ratio", "ratio": 2.6, "pair_ratios": [2.0, 2.4, 2.6, 2.8, 3.6]},
            "2.60x (pairs 2.2-3.2)",
        ),
        ({"phase": "ratio", "ratio": 2.6, "pair_ratios": [2.0, 3.6]}, "2.60x"),
        ({"phase": "throughput", "ratio": math.nan}, "-"),
    ],
)
def test_ratio_text(run: dict[str, Any], text: str) -> None:
    assert report.ratio_text(run) == text


def test_api_ms_is_cpu_over_requests_of_all_slices() -> None:
    assert pairs.api_ms([_slice(1000, 0.5), _slice(3000, 0.5)]) == pytest.approx(0.25)
    assert pairs.api_ms([]) == 0.0


def _run(request: str, api_ms: float, ratio: float, floor_ms: float = math.nan) -> dict[str, Any]:
    return {
        "workers": 1,
        "request": request,
        "phase": "ratio",
        "api_ms": api_ms,
        "ratio": ratio,
        "floor_ms": floor_ms,
        "errors": 0,
    }


@pytest.mark.parametrize(
    ("feed", "measured", "result"),
    [
        # Paired: against the floor of its own slices, not the floor's row (all its slices).
        (_run("feed", 1.5, 2.5, floor_ms=0.6), "2.50x (1.50 ms against 0.60 ms)", "PASS"),
        (_run("feed", 1.5, 3.1, floor_ms=0.48), "3.10x (1.50 ms against 0.48 ms)", "MISS"),
        # Not paired (--pairs 0, or a JSON from before pairs): against the floor's row.
        (_run("feed", 1.5, 3.0), "3.00x (1.50 ms against 0.50 ms)", "PASS"),
    ],
)
def test_a_goal_names_the_floor_its_ratio_was_taken_against(
    feed: dict[str, Any], measured: str, result: str
) -> None:
    [goal] = report.goals([_run("__typename", 0.5, 1.0), feed])
    assert (goal["measured"], goal["result"]) == (measured, result)
