"""Driving the requests with wrk: a warm-up and a measured run, the ratio phase (in rounds,
or in slices paired with the floor's), the feed's throughput and paced runs."""

from __future__ import annotations

import resource
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from feedbench.console import log
from feedbench.meters import CpuMeter
from feedbench.stack import INTERRUPT, ApiServer

from . import pairs
from . import rounds as rounds_of
from .config import FEED, FLOOR, REQUESTS, Request, Targets
from .measure import Measurement, body_of, measurement_of, write_text
from .server import ApiCpuMeter
from .wrk import lua_script, run_wrk


async def measure(
    load: Load,
    *,
    duration: float,
    warmup: float,
    phase: str,
    work_dir: Path,
    rate: float | None = None,
) -> Measurement:
    """A warm-up run, then the measured run with CPU read from /proc around it. With `rate`,
    wrk offers that many requests per second in all (bench/readbench/wrk.py), not as many as
    the connections can get answered."""
    log(
        f"--workers {load.workers}: {load.request.name}, {load.connections} connections"
        + ("" if rate is None else f", {rate:g} requests/s offered")
    )
    if warmup > 0:
        await load.run(work_dir, warmup, rate, "-warmup")
    measured = load.measurement(await load.run(work_dir, duration, rate), phase)
    if rate is not None:
        measured.offered_per_s = rate
    return measured


@dataclass
class Load:
    """One request driven by wrk at some connections against one server."""

    wrk: str
    server: ApiServer
    workers: int
    request: Request
    targets: Targets
    tokens: Sequence[str]
    meter: ApiCpuMeter
    connections: int
    threads: int

    async def run(
        self, work_dir: Path, seconds: float, rate: float | None = None, suffix: str = ""
    ) -> pairs.Slice:
        """One wrk run, with the CPU the machine spent meanwhile."""
        INTERRUPT.check()
        slug = self.request.name.replace(".", "-").replace("_", "")
        interval = None if rate is None else 1000 * min(self.threads, self.connections) / rate
        paced = "" if rate is None else f"-r{rate:g}"
        body = body_of(self.request, self.targets)
        script = write_text(
            work_dir / f"{slug}{paced}.lua", lua_script(body, self.tokens, interval_ms=interval)
        )
        stem = f"w{self.workers}-c{self.connections}{paced}-{slug}{suffix}"
        rusage = resource.getrusage(resource.RUSAGE_CHILDREN)
        before = self.meter.snapshot()
        result = await run_wrk(
            self.wrk,
            self.server.url,
            script,
            connections=self.connections,
            duration=seconds,
            threads=self.threads,
            log_path=work_dir / f"{stem}.log",
        )
        used = CpuMeter.delta(before, self.meter.snapshot())
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        wrk_cpu = (after.ru_utime - rusage.ru_utime) + (after.ru_stime - rusage.ru_stime)
        return pairs.Slice(result, used, wrk_cpu)

    def measurement(self, measured: pairs.Slice, phase: str) -> Measurement:
        return measurement_of(
            self.workers,
            self.request.name,
            self.connections,
            phase,
            measured.result,
            dict(measured.used),
            measured.wrk_cpu,
        )


def merged(load: Load, slices: Sequence[pairs.Slice]) -> Measurement:
    return load.measurement(
        pairs.Slice(
            pairs.merged_result([s.result for s in slices]),
            pairs.merged_used(slices),
            sum(s.wrk_cpu for s in slices),
        ),
        "ratio",
    )


async def measure_paired(
    floor: Load,
    chosen: Sequence[Load],
    *,
    pair_count: int,
    slice_seconds: float,
    warmup: float,
    work_dir: Path,
) -> list[Measurement]:
    """The floor and then each request of `chosen`, each request in `pair_count` slices
    alternating with slices of the floor (bench/readbench/pairs.py); the floor's row sums all
    its slices. A warm-up of the floor first and of each request before its pairs."""
    if warmup > 0:
        await floor.run(work_dir, warmup, suffix="-warmup")
    floor_slices: list[pairs.Slice] = []
    out: list[Measurement] = []
    for load in chosen:
        log(
            f"--workers {load.workers}: {load.request.name} against the floor,"
            f" {pair_count} pairs of {slice_seconds:g}s slices, {load.connections} connections"
        )
        if warmup > 0:
            await load.run(work_dir, warmup, suffix="-warmup")
        mine: list[pairs.Slice] = []
        theirs: list[pairs.Slice] = []
        for pair in range(pair_count):
            turns = (floor, load) if pairs.floor_first(pair) else (load, floor)
            for turn in turns:
                (theirs if turn is floor else mine).append(
                    await turn.run(work_dir, slice_seconds, suffix="-slice")
                )
        measured = merged(load, mine)
        measured.ratio = pairs.ratio_of_totals(theirs, mine)
        measured.floor_ms = pairs.api_ms(theirs)
        measured.pair_ratios = pairs.pair_ratios(theirs, mine)
        out.append(measured)
        floor_slices += theirs
    whole_floor = merged(floor, floor_slices)
    whole_floor.ratio = 1.0
    return [whole_floor, *out]


async def bench_server(
    wrk: str,
    server: ApiServer,
    workers: int,
    targets: Targets,
    tokens: Sequence[str],
    meter: ApiCpuMeter,
    *,
    connections: int,
    throughput_connections: int,
    duration: float,
    warmup: float,
    threads: int,
    work_dir: Path,
    only: Sequence[str] | None = None,
    rounds: int = 1,
    pair_count: int = 0,
    slice_seconds: float = 1.0,
    paced_rate: float | None = None,
) -> list[Measurement]:
    """Every request (or the floor and those named in `only`) at `connections`, `rounds`
    times over (bench/readbench/rounds.py), then the feed page at `throughput_connections`
    (if the feed is among them), as fast as it is answered and, with `paced_rate`, at that
    rate offered. With `pair_count`, each request is measured in that many slices of
    `slice_seconds` alternating with the floor's (bench/readbench/pairs.py) and its ratio is
    against those; without, the floor and then each request for `duration`, each ratio
    against the floor of the same round."""
    chosen = [r for r in REQUESTS if only is None or r.name == FLOOR or r.name in only]
    loads = {
        r.name: Load(wrk, server, workers, r, targets, tokens, meter, connections, threads)
        for r in chosen
    }
    each_round: list[list[Measurement]] = []
    for _ in range(rounds):
        if pair_count > 0:
            measured = await measure_paired(
                loads[FLOOR],
                [load for name, load in loads.items() if name != FLOOR],
                pair_count=pair_count,
                slice_seconds=slice_seconds,
                warmup=warmup,
                work_dir=work_dir,
            )
        else:
            measured = [
                await measure(
                    load, duration=duration, warmup=warmup, phase="ratio", work_dir=work_dir
                )
                for load in loads.values()
            ]
        each_round.append(measured)
    runs = rounds_of.combine(each_round, FLOOR)
    if rounds == 1:
        for m in runs:
            m.round_ratios = []
    phases = [("throughput", None)] + ([("paced", paced_rate)] if paced_rate is not None else [])
    for feed in [r for r in chosen if r.name == FEED]:
        load = Load(
            wrk, server, workers, feed, targets, tokens, meter, throughput_connections, threads
        )
        for phase, rate in phases:
            runs.append(
                await measure(
                    load,
                    duration=duration,
                    warmup=warmup,
                    phase=phase,
                    work_dir=work_dir,
                    rate=rate,
                )
            )
    return runs
