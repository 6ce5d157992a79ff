"""`python bench/feed_selection.py`: options, the embedded stack, the table and the plot."""

from __future__ import annotations

import argparse
import asyncio
import atexit
import importlib.util
import json
import os
import random
import shutil
import signal
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import asyncpg
from feedbench.config import REPO
from feedbench.console import log
from feedbench.report import environment, git_state
from feedbench.stack import INTERRUPT
from feedbench.table import table

from resolvers.deps import open_deps
from server.embedded import EmbeddedStack
from storage import migrations
from storage.settings import Settings

from .plot import plot
from .selection import (
    CELEBRITIES,
    CELEBRITY_FOLLOWERS,
    FOLLOWEES,
    POSTS,
    USERS,
    Point,
    bench_selection,
    stamp,
)
from .selection import __doc__ as selection_doc


async def run(args: argparse.Namespace, stack: EmbeddedStack, data_dir: Path) -> list[Point]:
    INTERRUPT.install()
    await migrations.apply(stack.database_url)
    settings = Settings(
        database_url=stack.database_url,
        redis_url=stack.redis_url,
        data_dir=data_dir,
        secret_key="bench-selection",
        media_dir=data_dir / "media",
        celebrity_followers=CELEBRITY_FOLLOWERS,
        log_level="WARNING",
    )
    deps = await open_deps(
        settings,
        database_url=stack.database_url,
        redis_url=stack.redis_url,
        count_round_trips=True,
    )
    conn: asyncpg.Connection = await asyncpg.connect(stack.database_url)
    try:
        return await bench_selection(
            conn,
            deps,
            args.followees,
            args.posts,
            args.users,
            args.calls,
            random.Random(args.seed),
        )
    finally:
        await conn.close()
        await deps.close()


def report(points: Sequence[Point]) -> str:
    rows = [asdict(p) for p in points]
    columns = [
        ("strategy", "strategy"),
        ("followees", "followees"),
        ("posts", "posts"),
        ("calls", "calls"),
        ("P50 ms", "p50_ms"),
        ("P95 ms", "p95_ms"),
        ("mean ms", "mean_ms"),
        ("DB trips", "db_round_trips"),
        ("Redis trips", "redis_round_trips"),
    ]
    order = {"hybrid": 0, "hybrid, cold": 1, "pull": 2}
    rows.sort(key=lambda r: (order[r["strategy"]], r["followees"], r["posts"]))
    return (
        "Feed-id selection in-process (resolvers.feed.read.feed_ids, first page of 21 ids;"
        f" {CELEBRITIES} celebrities among the followees, merged at read by hybrid)\n\n"
        + table(rows, columns)
    )


def csv_ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(selection_doc or "").split("\n\n")[0])
    parser.add_argument(
        "--followees",
        type=csv_ints,
        default=list(FOLLOWEES),
        help="following counts, comma-separated (default 100,1000,5000)",
    )
    parser.add_argument(
        "--posts",
        type=csv_ints,
        default=list(POSTS),
        help="post volumes, comma-separated (default 20000,100000,300000)",
    )
    parser.add_argument(
        "--users", type=int, default=USERS, help="accounts in the database (default 50000)"
    )
    parser.add_argument("--calls", type=int, default=100, help="timed calls per point")
    parser.add_argument(
        "--plot", type=Path, default=REPO / "docs" / "feed-selection.png", help="PNG to write"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir", type=Path, help="default: a fresh temp dir")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", action="store_true", help="keep the data dir")
    args = parser.parse_args(argv)
    if not args.followees or min(args.followees) <= CELEBRITIES:
        parser.error(f"--followees: each above {CELEBRITIES} (the celebrities are among them)")
    if not args.posts or min(args.posts) < 1:
        parser.error("--posts: positive volumes")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if importlib.util.find_spec("matplotlib") is None:
        raise SystemExit("matplotlib is missing: pip install -e '.[bench]'")
    made_here = args.data_dir is None or not args.data_dir.exists()
    data_dir = (
        Path(tempfile.mkdtemp(prefix="snapfeed-selection-"))
        if args.data_dir is None
        else args.data_dir.resolve()
    )
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if made_here and not args.keep:
        atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    stack = EmbeddedStack(data_dir)
    status = 1
    try:
        log(f"data dir {data_dir}")
        stack.start()
        points = asyncio.run(run(args, stack, data_dir))
        print(report(points), flush=True)
        env = environment(git_state())
        subtitle = (
            f"{stamp()}, {os.cpu_count()} CPUs; {args.users:,} users;"
            f" P50 of {args.calls} calls per point"
        )
        plot(points, args.plot, subtitle)
        log(f"wrote {args.plot}")
        if args.json:
            results: dict[str, Any] = {"points": [asdict(p) for p in points], "environment": env}
            args.json.write_text(json.dumps(results, indent=2) + "\n")
            log(f"wrote {args.json}")
        status = 0
    except (KeyboardInterrupt, asyncio.CancelledError):
        log("interrupted")
        status = 130
    finally:
        stack.stop()
        if args.keep:
            log(f"kept {data_dir}")
        elif made_here:
            shutil.rmtree(data_dir, ignore_errors=True)
    return status
