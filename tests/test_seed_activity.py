"""The demo data gives `demo` an activity tab (the seeder against a real server and worker)."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
import uvicorn

from resolvers.deps import Deps, open_deps
from resolvers.feed import signals
from server.app import create_app
from server.cli import InProcessServer
from server.seed import DEMO_PASSWORD, DEMO_USERNAME, seed
from storage.settings import Settings
from tests import processes
from tests.client import GraphQLClient
from workers.notifications import fold
from workers.settings import create_worker

LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }"
TAB = "{ notifications(first: 50) { edges { node { kind actorCount } } } }"
SUGGESTED = "{ suggestedUsers { username } }"
FEED = "query($order: FeedOrder) { feed(order: $order) { edges { node { author { username } } } } }"


@pytest.mark.timeout(240)  # photos through the real media job
async def test_the_demo_data_notifies_demo(
    deps: Deps, settings: Settings, gql: GraphQLClient
) -> None:
    # A server whose upload URLs point at itself, as `snapfeed dev`'s do.
    port = processes.free_port()
    served = settings.replace(public_url=f"http://127.0.0.1:{port}")
    assert served.database_url and served.redis_url
    own = await open_deps(served, database_url=served.database_url, redis_url=served.redis_url)
    server = InProcessServer(
        uvicorn.Config(create_app(served, own), port=port, log_config=None, lifespan="off")
    )
    worker = create_worker(served, deps=own, poll_delay=0.05, cron_jobs=[])
    tasks = [asyncio.create_task(server.serve()), asyncio.create_task(worker.async_run())]
    try:
        while not server.started:
            assert not tasks[0].done(), "uvicorn failed to start"
            await asyncio.sleep(0.01)
        url = f"http://127.0.0.1:{port}/graphql"
        people = await asyncio.to_thread(seed, url, users=6, posts_per_user=2)
    finally:
        server.should_exit = True
        tasks[1].cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks)
        await worker.close()
        await own.close()
    await fold(deps)
    await signals.drain(deps)  # demo's likes, into the ranked feed's aggregates
    token = (await gql(LOGIN, {"u": DEMO_USERNAME, "p": DEMO_PASSWORD})).ok()["login"]["token"]
    notes = [e["node"] for e in (await gql(TAB, token=token)).ok()["notifications"]["edges"]]
    kinds = {n["kind"] for n in notes}
    assert {"LIKE", "COMMENT", "POST_PUBLISHED"} <= kinds, notes
    assert all(n["actorCount"] >= 1 for n in notes if n["kind"] in ("LIKE", "COMMENT"))
    # demo's favourites (whose older posts demo likes) lead the RANKED feed; newest first,
    # the last account to post leads.
    orders = {}
    for order in ("CHRONOLOGICAL", "RANKED"):
        feed = (await gql(FEED, {"order": order}, token=token)).ok()["feed"]
        orders[order] = [e["node"]["author"]["username"] for e in feed["edges"]]
    favourites = {p.username for p in people[1:3]}
    assert set(orders["RANKED"][:2]) == favourites, orders
    followed = people[1:-2]  # demo follows all but the last two
    assert orders["CHRONOLOGICAL"][0] == followed[-1].username, orders
    # The last two, followed by demo's friends only, are the people demo may know.
    suggested = (await gql(SUGGESTED, token=token)).ok()["suggestedUsers"]
    assert {u["username"] for u in suggested} == {p.username for p in people[-2:]}, suggested
