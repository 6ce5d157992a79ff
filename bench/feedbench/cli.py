"""Options, the run's phases in order, and the embedded stack's lifetime around them."""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx
from redis.asyncio import Redis

from resolvers.deps import open_deps
from server.embedded import EmbeddedStack
from storage import migrations

from . import __doc__ as package_doc
from .celebrity import bench_celebrity
from .config import VIEWERS, Plan
from .console import log
from .deps import bench_settings
from .fanout import bench_fanout
from .inprocess import in_process_breakdown, profile_hybrid
from .meters import CpuMeter
from .reads import bench_reads, p95_ratios
from .report import environment, git_state, goals, notes, report
from .runner import run_on_stack
from .seed import SeedInfo, issue_tokens, seed, viewer_stats
from .stack import CHILDREN, INTERRUPT, ApiServer, start_server
from .stores import bench_stores
from .stores_report import stores_report


async def run(args: argparse.Namespace, stack: EmbeddedStack, data_dir: Path) -> dict[str, Any]:
    INTERRUPT.install()
    rnd = random.Random(args.seed)
    plan = Plan.for_scale(args.scale, args.viewers)
    info = SeedInfo()
    log(f"plan: {plan}")
    await migrations.apply(stack.database_url)
    settings = bench_settings(stack, data_dir, plan)
    (data_dir / "media").mkdir(parents=True, exist_ok=True)
    deps = await open_deps(
        settings,
        database_url=stack.database_url,
        redis_url=stack.redis_url,
        count_round_trips=True,
    )
    raw = Redis.from_url(stack.redis_url)
    cpu = CpuMeter(data_dir)
    servers: list[ApiServer] = []
    results: dict[str, Any] = {"plan": asdict(plan), "git": git_state()}
    try:
        existing = await deps.db.fetchval("SELECT count(*) FROM users")
        if existing:
            raise SystemExit(f"{data_dir} already holds a database with users; use a fresh dir")
        t0 = time.perf_counter()
        viewers = await seed(stack.database_url, plan, rnd, info)
        INTERRUPT.check()
        info.seconds["total"] = time.perf_counter() - t0
        await deps.redis.flushdb()
        tokens = await issue_tokens(deps.db, viewers)
        await viewer_stats(deps.db, viewers, plan, info)
        info.db_size_mb = (
            await deps.db.fetchval("SELECT pg_database_size(current_database())") / 2**20
        )
        results["seed"] = asdict(info)
        log(f"seeded in {info.seconds['total']:.0f}s: {info}")
        if args.store == "cassandra":
            log("feed stores: PostgreSQL and Cassandra on the same rows")
            results["stores"] = await bench_stores(
                deps, data_dir, viewers, cpu, args.seed, args.fanout_runs
            )
            results["environment"] = environment(results["git"])
            return results

        for strategy in ("hybrid", "pull"):
            servers.append(await start_server(settings, strategy, cpu))
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        async with httpx.AsyncClient(timeout=60, limits=limits) as client:
            viewer_tokens = [tokens[v] for v in viewers]
            reads = await bench_reads(client, servers, viewer_tokens, args.requests, cpu)
            results["reads"] = [asdict(r) for r in reads]
            results["p95_ratios"] = p95_ratios(reads)

            # Only the hybrid server is needed from here on.
            for server in [s for s in servers if s.name == "pull"]:
                CHILDREN.stop(server.proc)
                servers.remove(server)

            INTERRUPT.check()
            log("in-process breakdown")
            results["in_process"] = [
                asdict(r) for r in await in_process_breakdown(deps, viewers, tokens)
            ]
            profile, validations = await profile_hybrid(deps, viewers, tokens)
            results["profile"] = profile
            results["validations_per_request"] = validations

            INTERRUPT.check()
            log("fan-out")
            summaries, fan_runs = await bench_fanout(deps, raw, cpu, rnd, args.fanout_runs)
            results["fanout"] = [asdict(s) for s in summaries]
            results["fanout_runs"] = [asdict(r) for r in fan_runs]

            INTERRUPT.check()
            log("celebrity posts")
            hybrid = next(s for s in servers if s.name == "hybrid")
            results["celebrity"] = [
                asdict(c)
                for c in await bench_celebrity(
                    deps, raw, cpu, client, hybrid, plan.celebrity_followers, args.celebrity_runs
                )
            ]
        results["goals"] = goals(results)
        results["notes"] = notes(plan)
        results["environment"] = environment(results["git"])
        return results
    finally:
        for server in servers:
            CHILDREN.stop(server.proc)
        await raw.aclose()
        await deps.close()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(package_doc or "").split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies users/edges/posts")
    parser.add_argument("--data-dir", type=Path, help="default: a fresh temp dir")
    parser.add_argument(
        "--requests", type=int, default=1500, help="requests per config and concurrency"
    )
    parser.add_argument("--viewers", type=int, default=VIEWERS)
    parser.add_argument("--fanout-runs", type=int, default=5)
    parser.add_argument("--celebrity-runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1, help="random seed of the generator")
    parser.add_argument(
        "--store",
        choices=["postgres", "cassandra"],
        default="postgres",
        help="cassandra: compare the PostgreSQL and Cassandra feed stores on the seeded rows"
        " (an embedded Cassandra node; needs java and mvn) instead of the strategy phases",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", action="store_true", help="keep the data dir")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return run_on_stack(
        args, "snapfeed-bench-", lambda stack, data_dir: run(args, stack, data_dir), _report
    )


def _report(results: dict[str, Any]) -> str:
    return stores_report(results) if "stores" in results else report(results)
