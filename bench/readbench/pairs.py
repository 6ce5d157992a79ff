"""The ratio phase in interleaved slices: the floor and a request take turns.

On these shared 2-core machines the host's speed changes from one second to the next: a
fixed piece of pure Python pinned to one CPU, nothing else running, took 15 ms in some
seconds and 25 in others (2026-12-01), and `{ __typename }` cost the API 0.41 ms a request
in one second and 0.80 in another. A floor measured in one window and a page in another a
minute later are then compared at different speeds, and a ratio moves by a third between
runs of the same code. So each request is measured in short slices that alternate with
slices of the floor (the floor first in even pairs, the request first in odd ones, so that
neither always follows the other), and its ratio is of the totals: the API's CPU over all
its slices per request, against the same of its floor slices. Each pair's own ratio is kept
to show the spread.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .wrk import WrkResult


@dataclass
class Slice:
    """One wrk run of a slice and what the machine spent meanwhile (CpuMeter.delta)."""

    result: WrkResult
    used: Mapping[str, float]
    wrk_cpu: float  # CPU seconds of wrk itself


def floor_first(pair: int) -> bool:
    """Whether the floor's slice comes first in this pair (0-based)."""
    return pair % 2 == 0


def merged_used(slices: Sequence[Slice]) -> dict[str, float]:
    """CPU seconds (and context switches) of all slices, summed by key."""
    total: dict[str, float] = {}
    for s in slices:
        for key, value in s.used.items():
            total[key] = total.get(key, 0.0) + value
    return total


def merged_result(results: Sequence[WrkResult]) -> WrkResult:
    """The slices' wrk runs as one: counts and seconds summed, the mean weighted by
    requests, the maximum the highest. wrk reports percentiles, not its histogram, so a
    percentile is the median of the slices' (slices of equal length under the same load)."""
    if not results:
        raise ValueError("no slices")
    requests = sum(r.requests for r in results)
    seconds = sum(r.seconds for r in results)
    weight = max(1, requests)
    return WrkResult(
        requests=requests,
        seconds=seconds,
        req_per_s=requests / seconds if seconds > 0 else math.nan,
        mean_ms=sum(r.mean_ms * r.requests for r in results) / weight,
        max_ms=max(r.max_ms for r in results),
        p50_ms=statistics.median(r.p50_ms for r in results),
        p90_ms=statistics.median(r.p90_ms for r in results),
        p95_ms=statistics.median(r.p95_ms for r in results),
        p99_ms=statistics.median(r.p99_ms for r in results),
        socket_errors=sum(r.socket_errors for r in results),
        bad_status=sum(r.bad_status for r in results),
        gql_errors=sum(r.gql_errors for r in results),
    )


def api_ms(slices: Sequence[Slice]) -> float:
    """API CPU milliseconds per request over all of `slices`."""
    return (
        1000
        * sum(s.used.get("api", 0.0) for s in slices)
        / max(1, sum(s.result.requests for s in slices))
    )


def ratio_of_totals(floor: Sequence[Slice], request: Sequence[Slice]) -> float:
    """API CPU per request over all of `request`'s slices against all of `floor`'s."""
    base = api_ms(floor)
    return api_ms(request) / base if base > 0 else math.nan


def pair_ratios(floor: Sequence[Slice], request: Sequence[Slice]) -> list[float]:
    """Each pair's ratio, in order (NaN for a pair whose floor slice used no CPU)."""
    out = []
    for f, r in zip(floor, request, strict=True):
        out.append(ratio_of_totals([f], [r]))
    return out
