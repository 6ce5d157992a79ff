"""Options, the run in order, and the embedded stack's lifetime around it."""

from __future__ import annotations

import argparse
import random
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from feedbench.console import log
from feedbench.deps import bench_settings
from feedbench.report import environment, git_state
from feedbench.runner import run_on_stack
from feedbench.stack import INTERRUPT, ApiServer

from server.embedded import EmbeddedStack
from storage import migrations

from . import __doc__ as package_doc
from .config import FLOOR, PAGES_PER_S_GOAL, PAIRS, REQUESTS, SLICE_SECONDS, VIEWERS
from .drive import bench_server
from .measure import as_dicts, verify, warm_feeds
from .report import goals, report
from .seed import read_plan, seed_read_path
from .server import ApiCpuMeter, start_api, stop_api
from .wrk import ensure_wrk


async def run(args: argparse.Namespace, stack: EmbeddedStack, data_dir: Path) -> dict[str, Any]:
    INTERRUPT.install()
    wrk = ensure_wrk()
    await migrations.apply(stack.database_url)
    log(f"seeding {args.users:,} users")
    seeded, targets = await seed_read_path(
        stack.database_url, args.users, args.viewers, random.Random(args.seed)
    )
    log(f"seeded in {seeded.seconds:.0f}s: {seeded}")
    INTERRUPT.check()
    plan = read_plan(args.users, args.viewers)
    settings = bench_settings(stack, data_dir, plan)
    (data_dir / "media").mkdir(parents=True, exist_ok=True)
    tokens = list(seeded.tokens.values())
    meter = ApiCpuMeter(data_dir)
    results: dict[str, Any] = {
        "options": {
            "users": args.users,
            "viewers": len(tokens),
            "duration": args.duration,
            "warmup": args.warmup,
            "rounds": args.rounds,
            "pairs": args.pairs,
            "slice": args.slice,
            "connections": args.connections,
            "throughput_connections": args.throughput_connections,
            "paced_rate": args.paced_rate,
            "threads": args.threads,
            "workers": args.workers,
        },
        "seed": {k: v for k, v in asdict(seeded).items() if k != "tokens"},
        "git": git_state(),
        "runs": [],
        "samples": {},
    }
    for workers in args.workers:
        server: ApiServer | None = None
        try:
            log(f"starting `snapfeed serve --workers {workers}`")
            server = await start_api(settings, workers, meter)
            items = await verify(server, targets, tokens, results["samples"])
            log(f"every request answers; items per page: {items}")
            await warm_feeds(server, targets, tokens)
            log(f"the {len(tokens)} viewers' feed caches are warm")
            results["runs"] += as_dicts(
                await bench_server(
                    wrk,
                    server,
                    workers,
                    targets,
                    tokens,
                    meter,
                    connections=args.connections,
                    throughput_connections=args.throughput_connections,
                    duration=args.duration,
                    warmup=args.warmup,
                    threads=args.threads,
                    work_dir=data_dir / "wrk",
                    only=args.requests,
                    rounds=args.rounds,
                    pair_count=args.pairs,
                    slice_seconds=args.slice,
                    paced_rate=args.paced_rate or None,
                )
            )
        finally:
            if server is not None:
                stop_api(server, meter)
    results["targets"] = asdict(targets)
    results["goals"] = goals(results["runs"])
    results["environment"] = environment(results["git"])
    return results


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(package_doc or "").split("\n\n")[0])
    parser.add_argument("--users", type=int, default=2000, help="seeded users (default 2000)")
    parser.add_argument(
        "--viewers", type=int, default=VIEWERS, help="signed-in users whose tokens rotate"
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=10,
        help="seconds per wrk run (the feed's throughput and paced runs; the ratio runs with"
        " --pairs 0)",
    )
    parser.add_argument("--warmup", type=float, default=3, help="seconds of wrk before each run")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure the floor and each request this many times over, each ratio against"
        " its round's floor, and report medians (a shared machine's floor drifts)",
    )
    parser.add_argument(
        "--pairs",
        type=int,
        default=PAIRS,
        help="measure each request in this many slices alternating with slices of the floor,"
        f" its ratio against those (default {PAIRS}; 0: the floor once, then each request for"
        " --duration)",
    )
    parser.add_argument(
        "--slice",
        type=int,
        default=SLICE_SECONDS,
        help=f"seconds per slice with --pairs (default {SLICE_SECONDS})",
    )
    parser.add_argument(
        "--connections", type=int, default=4, help="wrk connections of the CPU ratio runs"
    )
    parser.add_argument(
        "--throughput-connections",
        type=int,
        default=16,
        help="wrk connections of the feed throughput run",
    )
    parser.add_argument(
        "--paced-rate",
        type=float,
        default=PAGES_PER_S_GOAL,
        help="feed pages/s offered in the paced run at --throughput-connections, where the"
        f" throughput goal's latency is measured (default {PAGES_PER_S_GOAL:g}; 0: no paced run)",
    )
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="`serve --workers` values to run"
    )
    parser.add_argument(
        "--requests",
        nargs="+",
        choices=[r.name for r in REQUESTS if r.name != FLOOR],
        help="measure only these (and the floor); default: all",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed of the generator")
    parser.add_argument("--data-dir", type=Path, help="default: a fresh temp dir")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", action="store_true", help="keep the data dir")
    args = parser.parse_args(argv)
    if args.users < 200:
        parser.error("--users: at least 200")
    if args.pairs < 0 or args.slice < 1:
        parser.error("--pairs: 0 or more; --slice: at least 1 second")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return run_on_stack(
        args, "snapfeed-readbench-", lambda stack, data_dir: run(args, stack, data_dir), report
    )
