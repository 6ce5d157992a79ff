"""API CPU per feed page, measured like bench/read_path.py: wrk against `snapfeed serve`.

Three requests, each rotating the bearer tokens of the judged viewers: a CHRONOLOGICAL
first page, a RANKED first page (a new session, ranked there and then: the expensive one)
and a RANKED next page (each viewer's own cursor into a session made before the run). CPU
seconds of the API process tree come from /proc around each run, over the requests wrk
completed; PostgreSQL's and Valkey's alongside.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import httpx
from feedbench.console import log
from feedbench.meters import CpuMeter
from readbench.measure import measurement_of
from readbench.server import ApiCpuMeter, start_api, stop_api
from readbench.wrk import ensure_wrk, lua_script, run_wrk

from storage.settings import Settings

NODE = "id caption author { username } media { url } likeCount commentCount"
PAGE = (
    "query($order: FeedOrder, $after: String) { feed(first: 20, order: $order, after: $after)"
    f" {{ edges {{ reason node {{ {NODE} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
)
KINDS = ("CHRONOLOGICAL", "RANKED, first page", "RANKED, next page")


def _body(order: str, after: str | None = None) -> bytes:
    return json.dumps({"query": PAGE, "variables": {"order": order, "after": after}}).encode()


def _per_token_script(bodies: dict[str, bytes]) -> str:
    """readbench's Lua script, each token with its own body (its own cursor)."""
    script = lua_script(b"", list(bodies))
    table = "\n".join(f'  ["{t}"] = [==[{b.decode()}]==],' for t, b in bodies.items())
    script = script.replace("local body = [==[]==]", f"local bodies = {{\n{table}\n}}")
    return script.replace("}, body)", "}, bodies[token])")


async def _cursors(url: str, tokens: Sequence[str]) -> dict[str, bytes]:
    """A next-page body per token: a ranked session made now, its first page's end cursor."""
    bodies = {}
    async with httpx.AsyncClient(timeout=60) as client:
        for token in tokens:
            response = await client.post(
                f"{url}/graphql",
                content=_body("RANKED"),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            feed = response.json()["data"]["feed"]
            if feed["pageInfo"]["hasNextPage"]:
                bodies[token] = _body("RANKED", feed["pageInfo"]["endCursor"])
    return bodies


async def api_cpu(
    settings: Settings,
    tokens: Sequence[str],
    *,
    duration: float,
    warmup: float,
    connections: int,
    rounds: int,
) -> dict[str, dict[str, Any]]:
    """Each kind measured once per round, rounds in rotated order; per kind the run with
    the median API CPU (the machine is shared: one slow second moves one run, not all)."""
    wrk = ensure_wrk()
    meter = ApiCpuMeter(settings.data_dir)
    work = settings.data_dir / "wrk"
    work.mkdir(parents=True, exist_ok=True)
    server = await start_api(settings, 1, meter)
    results: dict[str, dict[str, Any]] = {}
    try:
        scripts = {
            KINDS[0]: lua_script(_body("CHRONOLOGICAL"), tokens),
            KINDS[1]: lua_script(_body("RANKED"), tokens),
        }
        scripts[KINDS[2]] = _per_token_script(await _cursors(server.url, tokens))
        runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
        for round_ in range(rounds):
            for kind in KINDS[round_ % len(KINDS) :] + KINDS[: round_ % len(KINDS)]:
                slug = kind.replace(", ", "-").replace(" ", "-").lower()
                script = work / f"{slug}.lua"
                script.write_text(scripts[kind])
                log(f"wrk: {kind}, round {round_ + 1}/{rounds}, {connections} connections")
                common = {"connections": connections, "threads": 1}
                await run_wrk(
                    wrk, server.url, script, duration=warmup, log_path=work / "warm.log", **common
                )
                before = meter.snapshot()
                done = await run_wrk(
                    wrk,
                    server.url,
                    script,
                    duration=duration,
                    log_path=work / f"{slug}.log",
                    **common,
                )
                used = CpuMeter.delta(before, meter.snapshot())
                runs[kind].append(
                    asdict(measurement_of(1, kind, connections, "ratio", done, used, 0.0))
                )
        for kind, measured in runs.items():
            ordered = sorted(measured, key=lambda m: float(m["api_ms"]))
            results[kind] = ordered[len(ordered) // 2] | {
                "api_ms_runs": [m["api_ms"] for m in measured]
            }
    finally:
        stop_api(server, meter)
    return results
