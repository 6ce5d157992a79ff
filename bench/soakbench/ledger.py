"""What the clients saw: each request's outcome, the faults' instants, and what they imply
(phases, errors by code, recovery times, server errors outside the allowed windows).

Times are seconds since the traffic started. Everything here is a pure function of records.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

OK = "ok"
TRANSPORT = "transport"  # refused, reset or timed out before an HTTP answer


@dataclass(frozen=True)
class Outcome:
    kind: str  # "feed", "like", "post.create", ... (one per GraphQL operation or PUT)
    start: float
    end: float
    code: str  # OK, a GraphQL extensions.code, "HTTP 503", TRANSPORT


@dataclass
class Fault:
    kind: str
    down: float  # the dependency stopped (the worker was killed)
    back: float = -1.0  # it answers again (the replacement worker started)
    note: str = ""


def is_server_error(code: str) -> bool:
    return code in ("INTERNAL", TRANSPORT) or code.startswith("HTTP 5")


def phase_of(t: float, faults: Sequence[Fault]) -> str:
    """ "before" the first fault, "during F" while F's dependency is down, "after F" until
    the next fault."""
    label = "before"
    for fault in faults:
        if t < fault.down:
            break
        label = f"during {fault.kind}" if t < fault.back else f"after {fault.kind}"
    return label


def phases(faults: Sequence[Fault]) -> list[str]:
    out = ["before"]
    for fault in faults:
        if fault.back > fault.down:
            out.append(f"during {fault.kind}")
        out.append(f"after {fault.kind}")
    return out


@dataclass
class PhaseRow:
    phase: str
    requests: int = 0
    ok: int = 0
    errors: dict[str, int] = field(default_factory=dict)  # code -> count
    server_errors: int = 0


def by_phase(outcomes: Sequence[Outcome], faults: Sequence[Fault]) -> list[PhaseRow]:
    rows = {name: PhaseRow(name) for name in phases(faults)}
    errors: dict[str, Counter[str]] = defaultdict(Counter)
    for o in outcomes:
        row = rows.setdefault(phase_of(o.start, faults), PhaseRow(phase_of(o.start, faults)))
        row.requests += 1
        if o.code == OK:
            row.ok += 1
        else:
            errors[row.phase][o.code] += 1
            row.server_errors += is_server_error(o.code)
    for name, counts in errors.items():
        rows[name].errors = dict(counts.most_common())
    return list(rows.values())


def by_kind(outcomes: Sequence[Outcome]) -> dict[str, dict[str, int]]:
    """kind -> {"requests": n, code: count, ...} (OK included)."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for o in outcomes:
        out[o.kind]["requests"] += 1
        out[o.kind][o.code] += 1
    return {kind: dict(counts) for kind, counts in sorted(out.items())}


def recovery(
    outcomes: Sequence[Outcome], fault: Fault, until: float | None = None
) -> dict[str, float | None]:
    """Per kind sent after the dependency was back and before `until` (the next fault, whose
    effects are its own): seconds from the dependency's return to the first success among
    those requests (None: none succeeded). A kind not sent in that window says nothing of
    this fault: a socket held open all along subscribes again only when something later
    ends it."""

    def sent_in_window(o: Outcome) -> bool:
        return o.start >= fault.back and (until is None or o.start < until)

    first: dict[str, float | None] = {o.kind: None for o in outcomes if sent_in_window(o)}
    for o in sorted(outcomes, key=lambda o: o.end):
        if o.code == OK and sent_in_window(o) and first[o.kind] is None:
            first[o.kind] = o.end - fault.back
    return first


def recoveries(
    outcomes: Sequence[Outcome], faults: Sequence[Fault]
) -> list[dict[str, float | None]]:
    """`recovery` of each fault (in the order given), each up to the next fault to begin."""
    downs = sorted(f.down for f in faults)
    return [
        recovery(outcomes, f, until=next((d for d in downs if d > f.down), None)) for f in faults
    ]


def allowed_windows(faults: Sequence[Fault], grace: float) -> list[tuple[float, float]]:
    """While a dependency (not a worker: the API does not need one) is down, and `grace`
    seconds after it is back."""
    return [(f.down, f.back + grace) for f in faults if f.back > f.down]


def misplaced_server_errors(
    outcomes: Sequence[Outcome], faults: Sequence[Fault], grace: float
) -> list[Outcome]:
    """Server errors of requests that overlap no allowed window (one in flight when the
    dependency went down counts as inside)."""
    windows = allowed_windows(faults, grace)
    return [
        o
        for o in outcomes
        if is_server_error(o.code) and not any(o.end >= lo and o.start <= hi for lo, hi in windows)
    ]
