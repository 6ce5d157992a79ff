"""Options, the run in order (stack, setup, traffic with faults, audit), and the report."""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import json
import random
import shutil
import signal
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import asyncpg
from feedbench.console import log
from feedbench.report import environment, git_state
from feedbench.stack import INTERRUPT

from . import __doc__ as package_doc
from . import audit as audits
from . import ledger, live
from .client import Api, Recorder
from .config import (
    CLIENTS,
    ERROR_GRACE_S,
    SETTLE_S,
    SUBSCRIBERS,
    USERS_AT_START,
    VALKEY_RESTART,
    WORKER_KILL,
    PlannedFault,
    schedule,
)
from .report import goals, report
from .stack import SoakStack
from .workload import World, client_loop, follow, post, setup


async def inject(stack: SoakStack, recorder: Recorder, plan: PlannedFault) -> ledger.Fault:
    await asyncio.sleep(max(0.0, plan.at - recorder.now()))
    fault = ledger.Fault(plan.kind, recorder.now())
    log(f"fault: {plan.kind}")
    if plan.kind == WORKER_KILL:
        fault.note = stack.kill_worker()
    else:
        stop, start = (
            (stack.stop_valkey, stack.start_valkey)
            if plan.kind == VALKEY_RESTART
            else (stack.stop_postgres, stack.start_postgres)
        )
        await asyncio.to_thread(stop)
        fault.note = f"stopped after {recorder.now() - fault.down:.1f} s"
        await asyncio.sleep(plan.down_s)
        await asyncio.to_thread(start)
    fault.back = recorder.now()
    log(f"back: {plan.kind} ({fault.back - fault.down:.1f} s)")
    return fault


async def faults_in_order(
    stack: SoakStack, recorder: Recorder, plan: list[PlannedFault], done: list[ledger.Fault]
) -> None:
    for planned in plan:
        done.append(await inject(stack, recorder, planned))


async def supervise(stack: SoakStack) -> None:
    while True:
        stack.check_api()
        stack.supervise_workers()
        await asyncio.sleep(1)


async def live_probe(
    api: Api, world: World, subscribers: list[live.Subscriber], rnd: random.Random
) -> dict[str, Any]:
    """After everything: a post by the author every subscriber follows must reach each socket."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(30):
            for sub in subscribers:
                await sub.subscribed.wait()
    author = world.users[0]
    post_id = await post(api, world, author, rnd, "soak probe")
    deadline = time.monotonic() + SETTLE_S
    # The sockets' tasks fill `received`.
    while time.monotonic() < deadline and not all(post_id in s.received for s in subscribers):  # noqa: ASYNC110
        await asyncio.sleep(0.2)
    return {
        "subscribers": len(subscribers),
        "probe_missing": sum(post_id not in s.received for s in subscribers),
        "connects": sum(s.connects for s in subscribers),
        "drops": sum(s.drops for s in subscribers),
        "updates_received": sum(len(s.received) for s in subscribers),
    }


async def run(args: argparse.Namespace, stack: SoakStack) -> dict[str, Any]:
    INTERRUPT.install()
    await stack.start()
    rnd = random.Random(args.seed)
    recorder = Recorder()
    api = Api(stack.url, recorder)
    world = World()
    await setup(api, world, USERS_AT_START, rnd)
    author = world.users[0]  # every subscriber follows them: the live probe's author
    subscribers = [live.Subscriber(u) for u in world.users[1 : 1 + SUBSCRIBERS]]
    for sub in subscribers:
        if author.global_id not in sub.user.follows:
            await follow(api, world, sub.user, author)
    ws_url = stack.url.replace("http://", "ws://") + "/graphql"
    sockets = [asyncio.create_task(live.hold(ws_url, s, recorder)) for s in subscribers]
    log(f"{len(world.users)} users, {len(subscribers)} sockets; {args.duration:.0f} s of traffic")

    recorder.t0, recorder.outcomes = time.monotonic(), []
    plan = schedule(args.duration)
    faults: list[ledger.Fault] = []
    watcher = asyncio.create_task(supervise(stack))
    injector = asyncio.create_task(faults_in_order(stack, recorder, plan, faults))
    clients = [
        client_loop(api, world, i, args.duration, random.Random(args.seed * 100 + i))
        for i in range(CLIENTS)
    ]
    try:
        await asyncio.gather(*clients)
        await injector
    finally:
        injector.cancel()
    traffic = list(recorder.outcomes)
    log(f"traffic stopped: {len(traffic):,} requests; auditing")

    result = audits.Audit()
    db = await asyncpg.connect(stack.embedded.database_url)
    try:
        result.settle_s = await audits.settle(db, stack.embedded.redis_url, world)
        rows = await audits.check_posts(db, world, result)
        await audits.check_writes(db, world, result)
        await audits.check_counters(db, result)
        audit_api = Api(stack.url, Recorder())
        await audits.check_feeds(db, audit_api, world, result)
        live_result = await live_probe(audit_api, world, subscribers, rnd)
        await audit_api.close()
    finally:
        await db.close()
        watcher.cancel()
        await live.stop(sockets)
        await api.close()
    # Publishing as an outcome of its own: from createPost's row to PUBLISHED (server clock,
    # the same machine's).
    wall0 = time.time() - recorder.now()
    for r in rows:
        if r["published_at"] is not None:
            start = r["created_at"].timestamp() - wall0
            traffic.append(
                ledger.Outcome("publish", start, r["published_at"].timestamp() - wall0, ledger.OK)
            )

    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "options": {"duration": args.duration, "clients": CLIENTS, "seed": args.seed},
        "planned": [asdict(p) for p in plan],
        "faults": [
            {**asdict(f), "recovery": r}
            for f, r in zip(faults, ledger.recoveries(traffic, faults), strict=True)
        ],
        "phases": [asdict(p) for p in ledger.by_phase(traffic, faults)],
        "kinds": ledger.by_kind(traffic),
        "requests": len(recorder.outcomes),
        "users": len(world.users),
        "posts_unanswered": world.posts_unanswered,
        "misplaced_errors": [
            asdict(o) for o in ledger.misplaced_server_errors(traffic, faults, ERROR_GRACE_S)
        ],
        "audit": asdict(result),
        "live": live_result,
        "worker_exits": stack.worker_exits,
        "git": git_state(),
    }
    results["goals"] = goals(results)
    results["environment"] = environment(results["git"])
    return results


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(package_doc or "").split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=600, help="seconds of traffic (600)")
    parser.add_argument("--short", action="store_true", help="the CI run: 60 s of traffic")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the clients")
    parser.add_argument("--data-dir", type=Path, help="default: a fresh temp dir")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", action="store_true", help="keep the data dir")
    args = parser.parse_args(argv)
    if args.short:
        args.duration = 60.0
    if args.duration < 30:
        parser.error("--duration: at least 30 s (three faults and their recoveries)")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    made_here = args.data_dir is None or not args.data_dir.exists()
    data_dir = (
        Path(tempfile.mkdtemp(prefix="snapfeed-soak-"))
        if args.data_dir is None
        else args.data_dir.resolve()
    )
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if made_here and not args.keep:
        atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    stack = SoakStack(data_dir)
    status = 1
    try:
        log(f"data dir {data_dir}")
        stack.embedded.start()
        results = asyncio.run(run(args, stack))
        print(report(results), flush=True)
        if args.json:
            args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
            log(f"wrote {args.json}")
        status = 0 if all(g["passed"] for g in results["goals"]) else 1
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
