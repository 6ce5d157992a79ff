"""likePost on one hot post, with and without notifications (issue 13's 1.2x goal).

An embedded stack, one published post and N users with tokens; then, alternately, rounds of
`wrk` against `snapfeed serve` (one process) with a `snapfeed worker` folding the outbox every
second, where every user toggles their like (like, unlike, like, ...) on the same post:

- with: this checkout as it is (each like or unlike appends one event in its statement);
- without: the same server with the event left out of the like's statement (nothing to fold).

After each "with" round the outbox is folded and checked: one LIKE notification whose
actorCount is the number of users liking the post then. A last check has N users like the
post at once, and expects exactly one notification with actorCount N.

    .venv/bin/python bench/notifications.py [--users 100] [--seconds 10] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from feedbench.meters import CpuMeter  # noqa: E402
from notification_statements import StatementRun, fold_rate, toggle_likes  # noqa: E402

from resolvers.deps import Deps, open_deps  # noqa: E402
from schema import global_id  # noqa: E402
from server.app import create_app  # noqa: E402
from server.embedded import EmbeddedStack  # noqa: E402
from storage import migrations  # noqa: E402
from storage.settings import Settings  # noqa: E402
from workers.notifications import fold  # noqa: E402

REGISTER = """mutation($u: String!) {
  register(input: {username: $u, password: "bench-password"}) { token user { id } } }"""
LIKE = "mutation($id: ID!) { likePost(postId: $id) { id } }"
UNLIKE = "mutation($id: ID!) { unlikePost(postId: $id) { id } }"

# Runs the API with the like's notification event left out of its statement.
WITHOUT = (
    "import sys, storage.likes as likes; likes._told = lambda source: 'SELECT $4::bigint';"
    " from server.cli import main; sys.exit(main(['serve']))"
)
WITH = "import sys; from server.cli import main; sys.exit(main(['serve']))"

# Each wrk thread toggles its own users' likes: like each in turn, then unlike each, ... A
# user's next request is issued a whole slice later, after their previous one has finished.
LUA = """
local tokens = { %(tokens)s }
local bodies = { [==[%(like)s]==], [==[%(unlike)s]==] }
local threads = {}
local mine, i, errors = {}, 0, 0
gql_errors = 0
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  for k, token in ipairs(tokens) do
    if (k - 1) %% %(threads)d == id then table.insert(mine, token) end
  end
end
function request()
  local n = #mine
  local token = mine[i %% n + 1]
  local body = bodies[math.floor(i / n) %% 2 + 1]
  i = i + 1
  return wrk.format("POST", "/graphql", {
    ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }, body)
end
function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    gql_errors = gql_errors + 1
  end
end
function done(summary, latency, requests)
  local errs = 0
  for _, t in ipairs(threads) do errs = errs + (t:get("gql_errors") or 0) end
  io.write(string.format('BENCH {"requests": %%d, "seconds": %%.3f, "errors": %%d,'
    .. ' "p50": %%d, "p90": %%d, "p99": %%d, "mean": %%.1f}\\n',
    summary.requests, summary.duration / 1e6, errs + summary.errors.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean))
end
"""


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def env_for(settings: Settings, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SNAPFEED_")}
    assert settings.database_url and settings.redis_url
    env.update(
        SNAPFEED_DATABASE_URL=settings.database_url,
        SNAPFEED_REDIS_URL=settings.redis_url,
        SNAPFEED_SECRET_KEY="bench",
        SNAPFEED_MEDIA_DIR=str(settings.media_root),
        SNAPFEED_PORT=str(port),
        SNAPFEED_RATE_LIMITS="like=1000000/1",
        SNAPFEED_LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_ready(port: int, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if proc.poll() is not None:
            raise SystemExit("the API exited at start")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit("the API did not become ready")


async def seed(deps: Deps, settings: Settings, users: int) -> tuple[list[str], str]:
    app = create_app(settings, deps)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

        async def register(name: str) -> tuple[str, int]:
            body = (
                await client.post("/graphql", json={"query": REGISTER, "variables": {"u": name}})
            ).json()
            data = body["data"]["register"]
            return data["token"], global_id.decode_as(data["user"]["id"], "User", field="id")

        author_token, author_id = await register("author")
        tokens = [
            t for t, _ in await asyncio.gather(*(register(f"fan{i:04d}") for i in range(users)))
        ]
    post_id = await deps.db.fetchval(
        "INSERT INTO posts (author_id, caption, status, published_at)"
        " VALUES ($1, 'hot', 'published', now()) RETURNING id",
        author_id,
    )
    del author_token
    return tokens, global_id.encode("Post", post_id)


async def statement_phase(deps: Deps, post: str, args: argparse.Namespace) -> list[StatementRun]:
    """The like statement alone, alternating with and without its event, median of rounds."""
    post_id = global_id.decode_as(post, "Post", field="id")
    author_id = int(await deps.db.fetchval("SELECT author_id FROM posts WHERE id = $1", post_id))
    users = [r["id"] for r in await deps.db.fetch("SELECT id FROM users WHERE id <> $1", author_id)]
    runs: dict[bool, list[StatementRun]] = {True: [], False: []}
    for r in range(args.rounds):
        for notify in (True, False) if r % 2 == 0 else (False, True):
            await reset(deps)
            run = await toggle_likes(
                deps,
                CpuMeter(args.stack_dir),
                post_id,
                author_id,
                users,
                connections=args.connections,
                seconds=args.seconds,
                notify=notify,
            )
            runs[notify].append(run)
            label = "with" if notify else "without"
            print(
                f"statements {label:>7}: {run.per_second:7.0f}/s  p50 {run.p50_ms:.2f} ms"
                f"  p99 {run.p99_ms:.2f} ms  PostgreSQL CPU {run.pg_cpu_ms:.3f} ms per statement",
                flush=True,
            )
    return [sorted(runs[n], key=lambda x: x.p50_ms)[len(runs[n]) // 2] for n in (True, False)]


async def fold_phase(deps: Deps, post: str, events: int) -> dict[str, Any]:
    """`events` users like the post at once (events only), then the fold drains them."""
    await reset(deps)
    post_id = global_id.decode_as(post, "Post", field="id")
    author_id = int(await deps.db.fetchval("SELECT author_id FROM posts WHERE id = $1", post_id))
    records = await deps.db.fetch(
        "INSERT INTO users (username, password_hash)"
        " SELECT 'folded' || g, 'x' FROM generate_series(1, $1) AS g RETURNING id",
        events,
    )
    return await fold_rate(deps, post_id, author_id, [r["id"] for r in records])


async def reset(deps: Deps) -> None:
    await deps.db.execute(
        "TRUNCATE likes, post_counter_shards, notification_events, notifications,"
        " notification_actors"
    )


def run_round(
    mode: str, settings: Settings, tokens: list[str], post: str, args: argparse.Namespace, tmp: Path
) -> dict[str, Any]:
    """One wrk run against a fresh API and worker."""
    port = free_port()
    env = env_for(settings, port)
    script = tmp / "toggle.lua"
    script.write_text(
        LUA
        % {
            "tokens": ", ".join(f'"{t}"' for t in tokens),
            "like": json.dumps({"query": LIKE, "variables": {"id": post}}),
            "unlike": json.dumps({"query": UNLIKE, "variables": {"id": post}}),
            "threads": args.threads,
        }
    )
    wrk = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.seconds}s"]
    wrk += ["--timeout", "10s", "-s", str(script), f"http://127.0.0.1:{port}/graphql"]
    with (tmp / f"{mode}.log").open("ab") as log:
        code = WITH if mode == "with" else WITHOUT
        api = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=log, stderr=log)
        worker_command = [sys.executable, "-m", "server.cli", "worker"]
        worker = subprocess.Popen(worker_command, env=env, stdout=log, stderr=log)
        meter = CpuMeter(tmp / "stack")
        meter.server_pids = {"api": api.pid, "worker": worker.pid}
        try:
            wait_ready(port, api)
            before = meter.snapshot()
            out = subprocess.run(wrk, capture_output=True, text=True, check=True).stdout
            used = CpuMeter.delta(before, meter.snapshot())
        finally:
            stop(api)
            stop(worker)
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    result: dict[str, Any] = json.loads(line[len("BENCH ") :])
    result["mode"] = mode
    # CPU per request of the API, the worker (folding) and PostgreSQL: steadier than
    # latency on a shared machine.
    cpu = {k: used.get(k, 0.0) for k in ("api:api", "api:worker", "postgres")}
    result["cpu_ms"] = {k: v / max(result["requests"], 1) * 1000 for k, v in cpu.items()}
    return result


async def check_fold(deps: Deps) -> tuple[int, int, int]:
    """(notifications, actorCount, likes now) after folding everything."""
    while await fold(deps):
        pass
    likes = await deps.db.fetchval("SELECT count(*) FROM likes")
    rows = await deps.db.fetch("SELECT actor_count FROM notifications WHERE kind = 'like'")
    return len(rows), sum(r["actor_count"] for r in rows), int(likes)


async def all_at_once(
    deps: Deps, settings: Settings, tokens: list[str], post: str
) -> tuple[int, int]:
    await reset(deps)
    app = create_app(settings, deps)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        await asyncio.gather(
            *(
                client.post(
                    "/graphql",
                    json={"query": LIKE, "variables": {"id": post}},
                    headers={"Authorization": f"Bearer {t}"},
                )
                for t in tokens
            )
        )
    count, actors, _ = await check_fold(deps)
    return count, actors


def ms(us: float) -> str:
    return f"{us / 1000:.2f}"


def line_of(result: dict[str, Any]) -> str:
    rate = result["requests"] / result["seconds"]
    text = f"{rate:7.0f} req/s  p50 {ms(result['p50'])} ms  p90 {ms(result['p90'])} ms"
    text += f"  p99 {ms(result['p99'])} ms  errors {result['errors']}"
    cpu = result["cpu_ms"]
    text += f"  cpu/req api {cpu['api:api']:.2f} worker {cpu['api:worker']:.2f}"
    text += f" pg {cpu['postgres']:.2f} ms"
    if "fold" in result:
        notes, actors, likes = result["fold"]
        text += f"  folded: {notes} notification(s), actorCount {actors}, likes {likes}"
    return text


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--fold-events", type=int, default=20_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    if args.users < 2 * args.connections:
        raise SystemExit(
            "--users must be at least twice --connections (one request per user at a time)"
        )
    tmp = Path(tempfile.mkdtemp(prefix="snapfeed-bench-notifications-"))
    args.stack_dir = tmp / "stack"
    with EmbeddedStack(tmp / "stack", persist=False) as stack:
        settings = Settings(
            database_url=stack.database_url,
            redis_url=stack.redis_url,
            secret_key="bench",
            media_dir=tmp / "media",
            argon2_time_cost=1,
            argon2_memory_kib=1024,
            argon2_parallelism=1,
            register_rate=0,
            rate_limits="like=1000000/1",
        )
        await migrations.apply(stack.database_url)
        deps = await open_deps(settings, database_url=stack.database_url, redis_url=stack.redis_url)
        try:
            tokens, post = await seed(deps, settings, args.users)
            results: list[dict[str, Any]] = []
            for r in range(args.rounds):
                for mode in ("with", "without") if r % 2 == 0 else ("without", "with"):
                    await reset(deps)
                    result = await asyncio.to_thread(
                        run_round, mode, settings, tokens, post, args, tmp
                    )
                    if mode == "with":
                        result["fold"] = await check_fold(deps)
                    results.append(result)
                    print(f"round {r + 1} {mode:>7}: {line_of(result)}", flush=True)
            once = await all_at_once(deps, settings, tokens, post)
            statements = await statement_phase(deps, post, args)
            folding = await fold_phase(deps, post, args.fold_events)
        finally:
            await deps.close()
    summary: dict[str, Any] = {
        "users": args.users,
        "connections": args.connections,
        "rounds": results,
    }
    for mode in ("with", "without"):
        mine = [x for x in results if x["mode"] == mode]
        summary[mode] = {
            "req_per_s": statistics.median(x["requests"] / x["seconds"] for x in mine),
            "p50_ms": statistics.median(x["p50"] for x in mine) / 1000,
            "p90_ms": statistics.median(x["p90"] for x in mine) / 1000,
            "p99_ms": statistics.median(x["p99"] for x in mine) / 1000,
            "cpu_ms": statistics.median(sum(x["cpu_ms"].values()) for x in mine),
        }
    ratio = summary["with"]["p50_ms"] / summary["without"]["p50_ms"]
    folds_ok = all(
        x["fold"][0] <= 1 and x["fold"][1] == x["fold"][2] for x in results if "fold" in x
    )
    summary.update(
        p50_ratio=ratio,
        folds_exact=folds_ok,
        all_at_once=once,
        statements=[vars(run) for run in statements],
        fold=folding,
    )
    print()
    title = f"likePost, {args.users} users toggling likes on one post, {args.connections} conns"
    print(f"| {title} | with | without |")
    print("| --- | --- | --- |")
    for key, label in (
        ("req_per_s", "requests/s"),
        ("p50_ms", "p50 ms"),
        ("p90_ms", "p90 ms"),
        ("p99_ms", "p99 ms"),
        ("cpu_ms", "CPU ms per request (API + worker + PostgreSQL)"),
    ):
        print(f"| {label} | {summary['with'][key]:.2f} | {summary['without'][key]:.2f} |")
    goal = "PASS" if ratio <= 1.2 else "MISS"
    print(
        f"\np50 with/without: {ratio:.2f}x (goal <= 1.2x: {goal}); folds exact: {folds_ok};"
        f" {args.users} likes at once -> {once[0]} notification(s), actorCount {once[1]}"
    )
    print()
    print(f"| like statement alone, {args.connections} connections, one post | with | without |")
    print("| --- | --- | --- |")
    by = {run.notify: run for run in statements}
    print(f"| statements/s | {by[True].per_second:.0f} | {by[False].per_second:.0f} |")
    print(f"| p50 ms | {by[True].p50_ms:.2f} | {by[False].p50_ms:.2f} |")
    print(f"| p99 ms | {by[True].p99_ms:.2f} | {by[False].p99_ms:.2f} |")
    print(
        f"| PostgreSQL CPU ms per statement (and the fold) | {by[True].pg_cpu_ms:.3f}"
        f" | {by[False].pg_cpu_ms:.3f} |"
    )
    print(
        f"\nfold: {folding['folded']} like events on one post in {folding['seconds']:.2f} s"
        f" ({folding['events_per_second']:.0f}/s) -> {folding['notifications']} notification(s),"
        f" actorCount {folding['actor_count']}"
    )
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    shutil.rmtree(tmp, ignore_errors=True)
    return 0 if goal == "PASS" and folds_ok and once == (1, args.users) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
