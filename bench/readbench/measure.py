"""One API server under load: every request checked once, then measured with wrk."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from feedbench.stack import INTERRUPT, ApiServer

from . import split
from .config import FEED, POST_ID_QUERY, REQUESTS, Request, Targets
from .wrk import WrkResult


@dataclass
class Measurement:
    workers: int
    request: str
    connections: int
    # "ratio" (CPU per request against the floor), "throughput" (as many as the connections
    # get answered) or "paced" (at a rate offered: latency at that throughput)
    phase: str
    requests: int
    req_per_s: float
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    errors: int  # socket errors + non-2xx + answers with "errors"
    api_ms: float  # CPU milliseconds per request, API process tree
    postgres_ms: float
    valkey_ms: float
    wrk_ms: float
    other_ms: float  # everything else busy on the machine meanwhile
    machine_busy_share: float
    busiest_share: float = math.nan  # the busiest API process's share of its CPU (split.py)
    api_system_ms: float = math.nan  # of api_ms, what the kernel spent for the API
    steal_share: float = math.nan  # of the machine's CPU time, what the hypervisor took away
    # Per request, the API's threads going to sleep (nothing to do until an answer or a
    # request arrives) and losing their CPU while they could run (context switches).
    api_sleeps: float = math.nan
    api_preempted: float = math.nan
    ratio: float = math.nan  # api_ms over the floor's, same server and connections
    round_ratios: list[float] = field(default_factory=list)  # with --rounds: each round's
    pair_ratios: list[float] = field(default_factory=list)  # with --pairs: each pair's (pairs.py)
    floor_ms: float = math.nan  # with --pairs: the floor's api_ms over this request's pairs
    offered_per_s: float = math.nan  # a paced run's offered rate (wrk.py)


def body_of(request: Request, targets: Targets) -> bytes:
    payload: dict[str, Any] = {"query": request.query}
    if request.variables:
        payload["variables"] = targets.variables(request)
    return json.dumps(payload).encode()


async def _post(
    client: httpx.AsyncClient, url: str, body: bytes, token: str
) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    response = await client.post(f"{url}/graphql", content=body, headers=headers)
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, {"errors": [{"message": response.text[:300]}]}


def _null_urls(data: Any) -> int:
    """`url` fields answered null (media not READY, or variants the API cannot read)."""
    if isinstance(data, dict):
        own = int("url" in data and data["url"] is None)
        return own + sum(_null_urls(v) for v in data.values())
    if isinstance(data, list):
        return sum(_null_urls(v) for v in data)
    return 0


def _shorten(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: (v[:2] if k == "edges" else _shorten(v)) for k, v in data.items()}
    return data


async def warm_feeds(server: ApiServer, targets: Targets, tokens: Sequence[str]) -> None:
    """Every viewer reads their home feed once, so each has the feed cache fan-out keeps
    for active users: the runs then measure the steady state, not first visits."""
    [feed] = [r for r in REQUESTS if r.name == FEED]
    body = body_of(feed, targets)
    async with httpx.AsyncClient(timeout=60) as client:
        for start in range(0, len(tokens), 8):
            INTERRUPT.check()
            for token in tokens[start : start + 8]:
                status, answer = await _post(client, server.url, body, token)
                if status != 200 or answer.get("errors"):
                    raise SystemExit(f"feed does not answer cleanly: {answer}")


async def verify(
    server: ApiServer, targets: Targets, tokens: Sequence[str], samples: dict[str, Any]
) -> dict[str, int]:
    """Each request once (with three different tokens), which must answer 200 without
    errors and, for the pages, with items: a broken query is never measured. Also asks
    the target post's GraphQL id. Returns the items each page had; one answer of each
    request goes into `samples` (shortened to the first two edges)."""
    items: dict[str, int] = {}
    async with httpx.AsyncClient(timeout=60) as client:
        if not targets.post_id:
            body = json.dumps(
                {"query": POST_ID_QUERY, "variables": {"username": targets.username}}
            ).encode()
            status, answer = await _post(client, server.url, body, tokens[0])
            if status != 200 or answer.get("errors"):
                raise SystemExit(f"could not read the target post's id: {answer}")
            edges = answer["data"]["user"]["posts"]["edges"]
            targets.post_id = edges[0]["node"]["id"]
        for request in REQUESTS:
            for token in tokens[:3]:
                status, answer = await _post(client, server.url, body_of(request, targets), token)
                if status != 200 or answer.get("errors") or not answer.get("data"):
                    raise SystemExit(f"{request.name} does not answer cleanly: {answer}")
                if _null_urls(answer["data"]):
                    raise SystemExit(f"{request.name} answers media without a url: {answer}")
                if request.items is not None:
                    found = request.items(answer["data"])
                    if found == 0:
                        raise SystemExit(f"{request.name} answers an empty page: {answer}")
                    items[request.name] = max(items.get(request.name, 0), found)
                samples.setdefault(request.name, _shorten(answer["data"]))
    return items


def write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def measurement_of(
    workers: int,
    name: str,
    connections: int,
    phase: str,
    result: WrkResult,
    used: dict[str, float],
    wrk_cpu: float,
) -> Measurement:
    n = max(1, result.requests)
    ours = sum(used.get(k, 0.0) for k in ("api", "postgres", "valkey", "client")) + wrk_cpu
    total = used.get("machine_total", 0.0)
    return Measurement(
        workers=workers,
        request=name,
        connections=connections,
        phase=phase,
        requests=result.requests,
        req_per_s=result.req_per_s,
        p50_ms=result.p50_ms,
        p90_ms=result.p90_ms,
        p95_ms=result.p95_ms,
        p99_ms=result.p99_ms,
        mean_ms=result.mean_ms,
        max_ms=result.max_ms,
        errors=result.socket_errors + result.bad_status + result.gql_errors,
        api_ms=1000 * used.get("api", 0.0) / n,
        postgres_ms=1000 * used.get("postgres", 0.0) / n,
        valkey_ms=1000 * used.get("valkey", 0.0) / n,
        wrk_ms=1000 * wrk_cpu / n,
        other_ms=1000 * max(0.0, used.get("machine_busy", 0.0) - ours) / n,
        machine_busy_share=used.get("machine_busy", 0.0) / total if total else math.nan,
        busiest_share=split.busiest_share(used),
        api_system_ms=1000 * used.get("api_system", 0.0) / n,
        steal_share=used.get("machine_steal", 0.0) / total if total else math.nan,
        api_sleeps=used.get("api_sleeps", 0.0) / n,
        api_preempted=used.get("api_preempted", 0.0) / n,
    )


def as_dicts(runs: Sequence[Measurement]) -> list[dict[str, Any]]:
    return [asdict(m) for m in runs]
