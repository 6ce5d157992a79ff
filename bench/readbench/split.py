"""How a run's API CPU split between the server's processes.

With `--workers 2` a run's few wrk connections are shared between the workers: by chance
under uvicorn's supervisor (all 16 of a paced run once landed on one worker), in turn since
server/dispatch.py. A worker with more connections wakes once for several requests, so CPU
per request and latency may depend on the split. The report shows the busiest process's
share of the API's CPU, so a run on an uneven split can be told apart.
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
