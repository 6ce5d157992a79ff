"""The goals of issue 10 against the measurements, and the text report."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any

from feedbench.table import table

from .config import (
    FEED,
    FLOOR,
    P95_GOAL_MS,
    PAGES_PER_S_GOAL,
    RATIO_GOAL,
    REQUESTS,
    THROUGHPUT_WORKERS,
)

RATIO_REQUESTS = {r.name for r in REQUESTS if r.ratio_goal}
# A paced run kept up when wrk got at least this share of the offered requests answered (its
# first slots wait for the connections to open).
KEPT_UP = 0.99


def verdict(ok: bool, errors: int) -> str:
    if errors:
        return "MISS (errors)"
    return "PASS" if ok else "MISS"


def _floor(runs: Sequence[dict[str, Any]], workers: int) -> dict[str, Any] | None:
    for run in runs:
        if run["workers"] == workers and run["request"] == FLOOR and run["phase"] == "ratio":
            return run
    return None


def _floor_ms(run: dict[str, Any], floor: dict[str, Any]) -> float:
    """The floor a ratio was taken against: its own pairs' (pairs.py), else the floor run's."""
    own = run.get("floor_ms", math.nan)
    return float(floor["api_ms"] if own is None or math.isnan(own) else own)


def goals(runs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per goal and worker count; the throughput goal, for THROUGHPUT_WORKERS only, in
    two rows: pages/s as fast as they are answered, and latency at the goal's rate offered
    (with closed-loop connections, a saturated run's latency is connections / throughput:
    at 500 pages/s and 16 connections, 32 ms on average whatever the server does)."""
    out: list[dict[str, Any]] = []
    for run in runs:
        floor = _floor(runs, run["workers"])
        if run["phase"] == "ratio" and run["request"] in RATIO_REQUESTS and floor:
            out.append(
                {
                    "workers": run["workers"],
                    "request": run["request"],
                    "phase": run["phase"],
                    "goal": f"API CPU <= {RATIO_GOAL:g}x floor",
                    "measured": f"{run['ratio']:.2f}x ({run['api_ms']:.2f} ms against"
                    f" {_floor_ms(run, floor):.2f} ms)",
                    "result": verdict(run["ratio"] <= RATIO_GOAL, run["errors"]),
                }
            )
        if run["phase"] == "throughput" and run["workers"] == THROUGHPUT_WORKERS:
            out.append(
                {
                    "workers": run["workers"],
                    "request": run["request"],
                    "phase": run["phase"],
                    "goal": f">= {PAGES_PER_S_GOAL:g} pages/s ({run['connections']} connections,"
                    " as fast as answered)",
                    "measured": f"{run['req_per_s']:.0f}/s (P95 {run['p95_ms']:.1f} ms)",
                    "result": verdict(run["req_per_s"] >= PAGES_PER_S_GOAL, run["errors"]),
                }
            )
        if run["phase"] == "paced" and run["workers"] == THROUGHPUT_WORKERS:
            offered = run["offered_per_s"]
            kept_up = run["req_per_s"] >= KEPT_UP * offered
            out.append(
                {
                    "workers": run["workers"],
                    "request": run["request"],
                    "phase": run["phase"],
                    "goal": f"P95 < {P95_GOAL_MS:g} ms at {PAGES_PER_S_GOAL:g} pages/s"
                    f" ({run['connections']} connections)",
                    "measured": f"{offered:g}/s offered, {run['req_per_s']:.0f}/s answered,"
                    f" P95 {run['p95_ms']:.1f} ms",
                    "result": verdict(
                        offered >= PAGES_PER_S_GOAL and kept_up and run["p95_ms"] < P95_GOAL_MS,
                        run["errors"],
                    ),
                }
            )
    return out


COLUMNS = [
    ("request", "request"),
    ("workers", "workers"),
    ("conns", "connections"),
    ("req/s", "req_per_s"),
    ("API ms/req", "api_ms"),
    ("of it sys", "api_system_ms"),
    ("sleeps/req", "api_sleeps"),
    ("preempted/req", "api_preempted"),
    ("x floor", "ratio_text"),
    ("busiest worker", "busiest_text"),
    ("PG ms/req", "postgres_ms"),
    ("Valkey ms/req", "valkey_ms"),
    ("others ms/req", "other_ms"),
    ("steal", "steal_text"),
    ("P50 ms", "p50_ms"),
    ("P95 ms", "p95_ms"),
    ("P99 ms", "p99_ms"),
    ("errors", "errors"),
    ("goal", "goal"),
]


def ratio_text(run: dict[str, Any]) -> str:
    """The ratio; with several rounds the lowest and highest of them (a median over rounds
    can hide one round far from the others: 22:36 UTC on 2026-11-30, 3.7, 2.1, 2.1); with
    pairs, the middle half of the pairs' own ratios (how much one second differs from the
    next)."""
    if run["phase"] != "ratio":
        return "-"
    text = f"{run['ratio']:.2f}x"
    per_round = run.get("round_ratios") or []
    if len(per_round) > 1:
        text += f" (rounds {min(per_round):.2f}-{max(per_round):.2f})"
    per_pair = [r for r in run.get("pair_ratios") or [] if not math.isnan(r)]
    if len(per_pair) >= 4:
        low, _, high = statistics.quantiles(per_pair, n=4)
        text += f" (pairs {low:.1f}-{high:.1f})"
    return text


def rows(runs: Sequence[dict[str, Any]], found: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    results = {(g["workers"], g["request"], g["phase"]): g for g in found}
    out = []
    for run in runs:
        row = dict(run)
        row["ratio_text"] = ratio_text(run)
        share = run.get("busiest_share", math.nan)
        row["busiest_text"] = "-" if math.isnan(share) else f"{share:.0%}"
        steal = run.get("steal_share", math.nan)
        row["steal_text"] = "-" if math.isnan(steal) else f"{steal:.1%}"
        for older in ("api_system_ms", "api_sleeps", "api_preempted"):  # JSON of older runs
            row.setdefault(older, math.nan)
        if run["phase"] == "paced":
            row["connections"] = f"{run['connections']} @{run['offered_per_s']:g}/s"
        goal = results.get((run["workers"], run["request"], run["phase"]))
        row["goal"] = goal["result"] if goal else "-"
        out.append(row)
    return out


def report(results: dict[str, Any]) -> str:
    seed = results["seed"]
    targets = results["targets"]
    runs = results["runs"]
    lines = [
        "Snapfeed read path: API CPU per request against `{ __typename }` (wrk, Lua-rotated"
        f" tokens of {seed['viewers']} signed-in users)",
        f"seed: {seed['users']:,} users, {seed['follows']:,} follows, {seed['posts']:,} posts,"
        f" {seed['media']:,} media, {seed['likes']:,} likes, {seed['comments']:,} comments,"
        f" {seed['hashtags']} hashtags, {seed['feed_items']:,} feed rows,"
        f" {seed['celebrities']} accounts at >= {seed['celebrity_followers']} followers;"
        f" viewers follow {seed['viewers_mean_following']:.0f} on average;"
        f" {seed['db_size_mb']:.0f} MB, seeded in {seed['seconds']:.0f}s",
        f"targets: user {targets['username']}, #{targets['hashtag']}, post {targets['post_id']}",
        f"wrk: {results['options']['duration']:g}s per run after a"
        f" {results['options']['warmup']:g}s warm-up, {results['options']['threads']} thread(s)"
        + _rounds_note(results["options"].get("rounds", 1))
        + _pairs_note(results["options"].get("pairs", 0), results["options"].get("slice", 1)),
        "",
        table(rows(runs, results["goals"]), COLUMNS),
        "",
        "Goals (issue 10):",
    ]
    labels = [f"{g['request']} --workers {g['workers']}" for g in results["goals"]]
    width = max(map(len, labels), default=0)
    for g, label in zip(results["goals"], labels, strict=True):
        lines.append(f"  {g['result']:<5} {label:<{width}}  {g['goal']}: {g['measured']}")
    lines += [
        "",
        "API ms/req: CPU of the `snapfeed serve` process tree (supervisor and workers) from"
        " /proc during the run, over requests completed; PG and Valkey likewise. x floor: over"
        f" the `{FLOOR}` run of the same server at the same connections (with pairs, its own"
        f" floor slices). {FEED} at"
        f" {max((r['connections'] for r in runs), default=0)} connections is the throughput run"
        " (as many as the connections get answered), and at @N/s the paced run (N requests/s"
        " offered, latency at that throughput)."
        " others: CPU of every other process on the machine meanwhile (not wrk: it used"
        f" {max((r['wrk_ms'] for r in runs), default=0):.2f} ms/req at most); high means a"
        " busy machine and noisy figures. of it sys: the kernel's part of API ms/req."
        " sleeps/req and preempted/req: the API's context switches per request, going to sleep"
        " with nothing to do and losing the CPU to another process while it could run. steal:"
        " the share of the machine's CPU time the hypervisor gave to others meanwhile."
        " busiest worker: the share of the API's CPU spent by its busiest process (50% an even"
        " split of two workers).",
        f"environment: {results['environment']}",
    ]
    return "\n".join(lines)


def _pairs_note(pairs: int, seconds: int) -> str:
    if pairs <= 0:
        return ""
    return (
        f"; the ratio runs in {pairs} pairs of {seconds}s slices, each request's alternating"
        " with the floor's, its ratio of the totals (each pair's in the JSON: pair_ratios;"
        " pairs: the middle half of them), the floor's row all its slices"
    )


def _rounds_note(rounds: int) -> str:
    if rounds <= 1:
        return ""
    return (
        f"; the floor and each request measured in {rounds} rounds, each ratio against its"
        " round's floor, medians shown (each round's ratio in the JSON: round_ratios)"
    )
