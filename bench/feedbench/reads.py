"""Feed reads over HTTP: the request, a closed-loop load generator, latency and CPU."""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from .console import log
from .meters import CpuMeter, cpu_split, percentile
from .stack import INTERRUPT, ApiServer

FEED_QUERY = (
    "query { feed(first: 20) { edges { node { id caption author { username } media { url }"
    " likeCount commentCount } } pageInfo { hasNextPage endCursor } } }"
)
FEED_BODY = json.dumps({"query": FEED_QUERY}).encode()


def auth_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


async def read_feed(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> None:
    """One feed(first: 20) request, which must answer without errors."""
    response = await client.post(url, content=FEED_BODY, headers=headers)
    assert "errors" not in response.json(), response.text[:300]


@dataclass
class LoadResult:
    config: str
    phase: str
    clients: int
    requests: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    req_per_s: float
    wall_s: float
    errors: int
    empty_feeds: int
    cpu_ms_per_request: dict[str, float]
    machine_busy_share: float


async def http_load(
    client: httpx.AsyncClient,
    server: ApiServer,
    tokens: Sequence[str],
    *,
    requests: int,
    clients: int,
    phase: str,
    cpu: CpuMeter,
) -> LoadResult:
    headers = [auth_headers(t) for t in tokens]
    latencies: list[float] = []
    counter = itertools.count()
    errors = empty = 0
    url = f"{server.url}/graphql"

    async def one_client() -> None:
        nonlocal errors, empty
        while (i := next(counter)) < requests:
            start = time.perf_counter()
            response = await client.post(url, content=FEED_BODY, headers=headers[i % len(headers)])
            elapsed = (time.perf_counter() - start) * 1000
            latencies.append(elapsed)
            payload = response.json() if response.status_code == 200 else {}
            if "errors" in payload or "data" not in payload:
                errors += 1
                if errors <= 3:
                    log(f"error response ({response.status_code}): {response.text[:300]}")
            elif not payload["data"]["feed"]["edges"]:
                empty += 1

    before = cpu.snapshot()
    start = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(clients)))
    wall = time.perf_counter() - start
    used = CpuMeter.delta(before, cpu.snapshot())
    per_request = cpu_split(used, api=server.name)
    total = used.get("machine_total", 0.0)
    return LoadResult(
        config=server.name,
        phase=phase,
        clients=clients,
        requests=len(latencies),
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        p99_ms=percentile(latencies, 99),
        mean_ms=statistics.fmean(latencies),
        req_per_s=len(latencies) / wall,
        wall_s=wall,
        errors=errors,
        empty_feeds=empty,
        cpu_ms_per_request={k: 1000 * v / max(1, len(latencies)) for k, v in per_request.items()},
        machine_busy_share=used.get("machine_busy", 0.0) / total if total else math.nan,
    )


async def bench_reads(
    client: httpx.AsyncClient,
    servers: Sequence[ApiServer],
    tokens: Sequence[str],
    requests: int,
    cpu: CpuMeter,
) -> list[LoadResult]:
    """A cold pass, a warm-up, then `requests` reads at 1 and 16 clients on each server."""
    reads: list[LoadResult] = []
    for server in servers:  # cold: each viewer's first read (hybrid: Redis is empty)
        log(f"{server.name}: cold pass over {len(tokens)} viewers")
        reads.append(
            await http_load(
                client, server, tokens, requests=len(tokens), clients=1, phase="cold", cpu=cpu
            )
        )
    for server in servers:  # warm-up at the highest concurrency
        await http_load(
            client, server, tokens, requests=len(tokens), clients=16, phase="warm-up", cpu=cpu
        )
    for clients in (1, 16):
        for server in servers:  # alternate configs, so machine noise hits both
            INTERRUPT.check()
            log(f"{server.name}: {requests} requests, {clients} client(s)")
            reads.append(
                await http_load(
                    client,
                    server,
                    tokens,
                    requests=requests,
                    clients=clients,
                    phase="warm",
                    cpu=cpu,
                )
            )
    return reads


def p95_ratios(reads: Sequence[LoadResult]) -> dict[str, float]:
    """P95 of naive pull over hybrid, per phase and concurrency measured for both."""
    ratios: dict[str, float] = {}
    for phase, clients in (("warm", 1), ("warm", 16), ("cold", 1)):
        found = {r.config: r for r in reads if r.phase == phase and r.clients == clients}
        if "hybrid" in found and "pull" in found:
            label = f"{phase}, {clients} client{'s' if clients > 1 else ''}"
            ratios[label] = found["pull"].p95_ms / found["hybrid"].p95_ms
    return ratios
