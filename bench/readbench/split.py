"""How a run's API CPU split between the server's processes.

With `--workers 2`, the workers accept from one socket, and a run's few wrk connections land
on them by chance: 2 and 2, 3 and 1, or all 4 on one. A worker with more connections wakes
once for several requests, so CPU per request depends on the split, and most for the
cheapest request (the floor). The report shows the busiest process's share of the API's
CPU, so a ratio taken on an uneven split can be told apart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

# ApiCpuMeter's key for one API process's CPU seconds: PREFIX + pid.
PREFIX = "api_pid:"


def busiest_share(used: Mapping[str, float]) -> float:
    """The busiest API process's share of the API's CPU over a run; NaN with one process
    (or no CPU)."""
    seconds = [v for k, v in used.items() if k.startswith(PREFIX) and v > 0]
    total = sum(seconds)
    if len(seconds) < 2 or total <= 0:
        return math.nan
    return max(seconds) / total
