"""Python's cyclic garbage collector, set for a serving process.

Measured in `snapfeed serve` under the read benchmark's feed load: the objects made at
start-up (modules, the schema, caches, pools: about 120 000 in a worker) were scanned by every
full collection, and a page's results, alive until the answer is sent, are promoted often
enough to set one off every few seconds; each stalled its worker for 30 to 150 ms, which a
request waiting behind it sees as latency. The young generation ran about twice a page.
"""

from __future__ import annotations

import gc

# A page allocates a few thousand container objects that die when its answer is sent; with
# Python's default (700) the young generation was collected mid-page about twice a page.
THRESHOLDS = (10_000, 10, 10)


def settle() -> None:
    """Once start-up is done: collect, then freeze what survived, so that collections from
    here on scan only what requests make. Frozen objects are never collected: one that later
    dies in a reference cycle (a pool's first connections, when replaced) stays until the
    process exits. So at most the start-up heap can leak, and each object once."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
