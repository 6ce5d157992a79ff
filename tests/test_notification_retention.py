"""Retention: each user's newest SNAPFEED_NOTIFICATION_KEEP, none older than ..._DAYS."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from resolvers.deps import Deps
from tests.client import GraphQLClient
from tests.engagement_helpers import RunJobs
from tests.notification_helpers import Activity
from workers.notifications import prune_notifications


@pytest.fixture
def crowd(gql: GraphQLClient, deps: Deps, run_jobs: RunJobs) -> Activity:
    return Activity(gql, deps, run_jobs)


async def test_the_prune_keeps_the_newest_and_drops_the_old(
    crowd: Activity, tune: Callable[..., None]
) -> None:
    for name in ("author", "other", "fan"):
        await crowd.user(name)
    for i in range(5):
        post = await crowd.share("author", f"p{i}")
        await crowd.like("fan", post)
        await crowd.fold()  # one after the other: distinct times
    await crowd.like("fan", await crowd.share("other", "elsewhere"))
    await crowd.fold()
    # p0's notification is 91 days old: past the 90 days, whatever the count.
    await crowd.deps.db.execute(
        "UPDATE notifications SET updated_at = now() - interval '91 days'"
        " WHERE post_id = (SELECT id FROM posts WHERE caption = 'p0')"
    )
    tune(notification_keep=3, notification_days=90)
    assert await prune_notifications({"deps": crowd.deps}) == 2  # p0 (age), p1 (the 4th)
    notes = await crowd.notifications("author")
    assert [n["post"]["caption"] for n in notes] == ["p4", "p3", "p2"]
    assert [n["post"]["caption"] for n in await crowd.notifications("other")] == ["elsewhere"]
    # Their actors went with them.
    orphans = await crowd.deps.db.fetchval(
        "SELECT count(*) FROM notification_actors a"
        " WHERE NOT EXISTS (SELECT 1 FROM notifications n WHERE n.id = a.notification_id)"
    )
    assert orphans == 0
    assert await prune_notifications({"deps": crowd.deps}) == 0
