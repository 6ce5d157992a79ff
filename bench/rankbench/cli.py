"""Options, the run in order, the embedded stack around it, and the report."""

from __future__ import annotations

import argparse
import secrets
import time
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from feedbench.console import log
from feedbench.report import environment, git_state
from feedbench.runner import run_on_stack
from feedbench.stack import INTERRUPT

from resolvers.deps import open_deps
from server.embedded import EmbeddedStack
from storage import migrations
from storage.settings import Settings

from . import __doc__ as package_doc
from .community import DAY_MS, Params, simulate
from .cpu import KINDS, api_cpu
from .evaluate import K, Quality, judge
from .load import load

HITS_GOAL = 1.5
CPU_GOAL = 1.5


async def run(args: argparse.Namespace, stack: EmbeddedStack, data_dir: Path) -> dict[str, Any]:
    INTERRUPT.install()
    await migrations.apply(stack.database_url)
    params = Params(users=args.users, days=args.days, seed=args.seed)
    now = datetime.now(UTC)
    # The held-out day starts now: the training days are the past ones.
    start_ms = int(now.timestamp() * 1000) - (params.days - 1) * DAY_MS
    started = time.perf_counter()
    community = simulate(params, start_ms)
    log(f"simulated in {time.perf_counter() - started:.1f}s")
    settings = Settings(
        database_url=stack.database_url,
        redis_url=stack.redis_url,
        data_dir=data_dir,
        secret_key="bench-" + secrets.token_hex(16),
        media_dir=data_dir / "media",
        log_level="WARNING",
        token_cache_seconds=10,
        feed_rank_weights=args.weights,
    )
    (data_dir / "media").mkdir(parents=True, exist_ok=True)
    assert settings.database_url and settings.redis_url
    deps = await open_deps(
        settings, database_url=settings.database_url, redis_url=settings.redis_url
    )
    deps.clock = lambda: now
    try:
        loaded = await load(deps, community)
        quality = await judge(deps, community, loaded)
    finally:
        await deps.close()
    cpu: dict[str, Any] = {}
    if args.duration:
        cpu = await api_cpu(
            settings,
            [loaded.tokens[loaded.user_ids[p]] for p in sorted(community.held_out)],
            duration=args.duration,
            warmup=args.warmup,
            connections=args.connections,
            rounds=args.rounds,
        )
    return {
        "options": vars(args) | {"data_dir": str(args.data_dir) if args.data_dir else None},
        "community": {
            "users": params.users,
            "follows": sum(len(f) for f in community.follows.values()),
            "posts": len(community.posts),
            "likes": loaded.likes,
            "comments": loaded.comments,
        },
        "quality": asdict(quality),
        "cpu": cpu,
        "environment": environment(git_state()),
    }


def report(results: dict[str, Any]) -> str:
    q = Quality(**results["quality"])
    cpu = results["cpu"]
    c = results["community"]
    chrono, ranked = q.hits["CHRONOLOGICAL"], q.hits["RANKED"]
    hits_ratio = ranked / chrono if chrono else float("inf")
    ndcg_ratio = q.ndcg["RANKED"] / q.ndcg["CHRONOLOGICAL"] if q.ndcg["CHRONOLOGICAL"] else 0
    verdict = {True: "PASS", False: "MISS"}
    lines = [
        f"{c['users']} people, {c['follows']} follows, {c['posts']} posts, {c['likes']} likes and"
        f" {c['comments']} comments over {results['options']['days'] - 1} days;"
        f" held out: {q.held_out_likes} likes by {q.viewers} viewers on the last day",
        "",
        "| per viewer | CHRONOLOGICAL | RANKED | RANKED / CHRONOLOGICAL | goal |",
        "| --- | --- | --- | --- | --- |",
        f"| hits@{K} | {chrono:.2f} | {ranked:.2f} | {hits_ratio:.2f}x"
        f" | >= {HITS_GOAL}x {verdict[hits_ratio >= HITS_GOAL]} |",
        f"| NDCG@{K} | {q.ndcg['CHRONOLOGICAL']:.3f} | {q.ndcg['RANKED']:.3f}"
        f" | {ndcg_ratio:.2f}x | |",
        f"| SUGGESTED posts in the top {K} | 0 | {q.suggested_shown:.2f} | | |",
        f"| hits on SUGGESTED posts | 0 | {q.suggested_hits:.2f} | | |",
    ]
    if cpu:
        ms = {kind: cpu[kind]["api_ms"] for kind in KINDS}
        first = ms[KINDS[1]] / ms[KINDS[0]]
        nxt = ms[KINDS[2]] / ms[KINDS[0]]
        lines.append(
            f"| API CPU per page, ms | {ms[KINDS[0]]:.2f}"
            f" | {ms[KINDS[1]]:.2f} (first), {ms[KINDS[2]]:.2f} (next)"
            f" | {first:.2f}x (first), {nxt:.2f}x (next)"
            f" | <= {CPU_GOAL}x {verdict[first <= CPU_GOAL]} (first) |"
        )
        lines.append(
            "| PostgreSQL + Valkey CPU per page, ms"
            + "".join(
                f" | {cpu[k]['postgres_ms'] + cpu[k]['valkey_ms']:.2f}"
                for k in (KINDS[0], KINDS[1])
            )
            + f" (first), {cpu[KINDS[2]]['postgres_ms'] + cpu[KINDS[2]]['valkey_ms']:.2f} (next)"
            + " | | |"
        )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(package_doc or "").split("\n\n")[0])
    parser.add_argument("--users", type=int, default=600, help="simulated people (600)")
    parser.add_argument("--days", type=int, default=8, help="days, the last held out (8)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    parser.add_argument(
        "--weights", default="", help="SNAPFEED_FEED_RANK_WEIGHTS for the run (default: none)"
    )
    parser.add_argument(
        "--duration", type=float, default=8, help="seconds per wrk run (0: no CPU part)"
    )
    parser.add_argument("--warmup", type=float, default=3, help="seconds of wrk before each run")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections")
    parser.add_argument(
        "--rounds", type=int, default=3, help="CPU runs per request, median kept (3)"
    )
    parser.add_argument("--data-dir", type=Path, help="default: a fresh temp dir")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", action="store_true", help="keep the data dir")
    args = parser.parse_args(argv)
    if args.users < 50 or args.days < 3:
        parser.error("at least 50 users and 3 days")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return run_on_stack(
        args, "snapfeed-rankbench-", lambda stack, data_dir: run(args, stack, data_dir), report
    )
