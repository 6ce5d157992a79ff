"""The soak's recovery times (bench/soakbench/ledger.py): each fault is judged by the
requests sent between its dependency's return and the next fault."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

_PATH = Path(__file__).resolve().parent.parent / "bench" / "soakbench" / "ledger.py"
_SPEC = importlib.util.spec_from_file_location("soak_ledger", _PATH)
assert _SPEC is not None and _SPEC.loader is not None
ledger: Any = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = ledger  # its dataclasses look their module up
_SPEC.loader.exec_module(ledger)


def _faults() -> list[Any]:
    return [ledger.Fault("worker", 10.0, 10.0), ledger.Fault("valkey", 20.0, 22.0)]


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        # A kind recovering after each fault.
        (
            [("feed", 10.5, 11.0, "ok"), ("feed", 22.5, 23.0, "ok")],
            [{"feed": 1.0}, {"feed": 1.0}],
        ),
        # Failing after the return, then fine: timed from the return.
        (
            [("feed", 22.1, 22.2, "INTERNAL"), ("feed", 24.0, 25.0, "ok")],
            [{}, {"feed": 3.0}],
        ),
        # Never fine again before the next fault: no success (None), the goal fails.
        (
            [("like", 12.0, 12.1, "INTERNAL"), ("like", 19.0, 19.1, "INTERNAL")],
            [{"like": None}, {}],
        ),
        # A socket held open all along subscribes again only after the second fault: that
        # says nothing of the first.
        (
            [("subscribe", 0.0, 0.1, "ok"), ("subscribe", 23.0, 23.5, "ok")],
            [{}, {"subscribe": 1.5}],
        ),
        # Sent before the return: not counted.
        ([("feed", 21.0, 23.0, "ok")], [{}, {}]),
    ],
)
def test_each_fault_is_judged_until_the_next(
    outcomes: list[tuple[str, float, float, str]], expected: list[dict[str, float | None]]
) -> None:
    records = [ledger.Outcome(*o) for o in outcomes]
    assert ledger.recoveries(records, _faults()) == expected
