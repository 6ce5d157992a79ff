"""Several rounds of the ratio phase made one measurement per request.

On a shared machine the floor itself moves by a third from one minute to the next, so a
request's ratio is taken against the floor of its own round (measured just before it), and
each figure reported is the median over rounds; the per-round ratios are kept alongside.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import fields, replace
from typing import Any, TypeVar

M = TypeVar("M", bound=Any)  # a Measurement: request, api_ms, ratio, requests, errors, ...

# Summed over rounds rather than a median of them; the pairs' ratios of all rounds kept.
_SUMMED = {"requests", "errors"}
_JOINED = {"pair_ratios"}


def ratios(runs: Sequence[M], floor: str) -> list[float]:
    """Each run's api_ms over the floor's of the same round (NaN without a floor), or the
    ratio it was measured with, if any (against its own floor slices: pairs.py)."""
    base = next((m.api_ms for m in runs if m.request == floor), 0.0)
    return [
        m.ratio if not math.isnan(m.ratio) else m.api_ms / base if base > 0 else math.nan
        for m in runs
    ]


def combine(rounds: Sequence[Sequence[M]], floor: str) -> list[M]:
    """One measurement per request, in the first round's order: medians of the rounds'
    figures, the ratio the median of the per-round ratios (`round_ratios`)."""
    by_request: dict[str, list[tuple[M, float]]] = {}
    for runs in rounds:
        for run, ratio in zip(runs, ratios(runs, floor), strict=True):
            by_request.setdefault(run.request, []).append((run, ratio))
    combined = []
    for request_runs in by_request.values():
        first = request_runs[0][0]
        changes: dict[str, Any] = {}
        for f in fields(first):
            values = [getattr(run, f.name) for run, _ in request_runs]
            if f.name in _SUMMED:
                changes[f.name] = sum(values)
            elif f.name in _JOINED:
                changes[f.name] = [v for per_round in values for v in per_round]
            elif f.name != "ratio" and all(_number(v) for v in values) and len(set(values)) > 1:
                changes[f.name] = statistics.median(values)
        per_round = [ratio for _, ratio in request_runs]
        changes["ratio"] = statistics.median(per_round)
        changes["round_ratios"] = per_round
        combined.append(replace(first, **changes))
    return combined


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
