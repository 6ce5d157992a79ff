"""Plain-text tables for the report."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]]) -> str:
    """A plain-text table; `columns` are (header, key) pairs, the first column left-aligned."""
    text = [[_cell(row.get(key)) for _, key in columns] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in text]) for i, (h, _) in enumerate(columns)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    head = line([h for h, _ in columns])
    return "\n".join([head, "-" * len(head), *(line(r) for r in text)])
