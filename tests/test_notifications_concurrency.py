"""Hot posts, read marks and counts under concurrency, and a worker killed mid-fold."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from resolvers.deps import Deps
from storage.settings import Settings
from tests import processes
from tests.client import GraphQLClient
from tests.engagement_helpers import RunJobs
from tests.notification_helpers import LIKE, MARK_READ, Activity, summary

# Generous: each step waits for a state, on a shared 2-core machine.
DEADLINE_SECONDS = 60


@pytest.fixture
def crowd(gql: GraphQLClient, deps: Deps, run_jobs: RunJobs) -> Activity:
    return Activity(gql, deps, run_jobs)


async def test_a_hundred_concurrent_likers_make_one_notification(crowd: Activity) -> None:
    await crowd.user("star")
    post = await crowd.share("star", "viral")
    likers = await crowd.users("fan", 100)
    results = await asyncio.gather(*(crowd.call(name, LIKE, id=post) for name in likers))
    assert all(not r.errors for r in results)
    # Liking wrote events only: no notification row was touched on the way.
    assert await crowd.deps.db.fetchval("SELECT count(*) FROM notifications") == 0
    [note] = await crowd.notifications("star")
    assert (note["kind"], note["actorCount"], len(note["actors"])) == ("LIKE", 100, 3)
    newest = await crowd.deps.db.fetch(
        "SELECT u.username FROM likes l JOIN users u ON u.id = l.user_id"
        " ORDER BY l.created_at DESC, l.user_id DESC LIMIT 3"
    )
    assert [a["username"] for a in note["actors"]] == [r["username"] for r in newest]
    assert await crowd.unread("star") == 1


async def test_likes_never_wait_on_the_notification_row(crowd: Activity) -> None:
    """The folded notification is locked for the whole test, as a long fold would hold it:
    likes still complete (if they needed that row, this test would hang, not pass)."""
    await crowd.user("star")
    post = await crowd.share("star", "viral")
    likers = await crowd.users("fan", 21)
    await crowd.like(likers[0], post)
    await crowd.fold()
    async with crowd.deps.db.acquire() as conn, conn.transaction():
        locked = await conn.fetchval("SELECT id FROM notifications FOR UPDATE")
        assert locked is not None
        results = await asyncio.gather(*(crowd.call(n, LIKE, id=post) for n in likers[1:]))
        assert all(not r.errors for r in results)
        assert await crowd.deps.db.fetchval("SELECT count(*) FROM notification_events") == 20
    [note] = await crowd.notifications("star")
    assert note["actorCount"] == 21


async def _notifications_on_distinct_posts(crowd: Activity, count: int) -> list[str]:
    """`count` unread LIKE notifications of `author`, newest first; their ids."""
    for name in ("author", "fan"):
        await crowd.user(name)
    for i in range(count):
        post = await crowd.share("author", f"p{i}")
        await crowd.like("fan", post)
        await crowd.fold()  # one after the other: distinct times
    return [n["id"] for n in await crowd.notifications("author", first=50)]


async def test_mark_read_up_to_one_notification(crowd: Activity) -> None:
    ids = await _notifications_on_distinct_posts(crowd, 6)
    assert (await crowd.call("author", MARK_READ, upTo=ids[2])).ok() == {"markNotificationsRead": 4}
    notes = await crowd.notifications("author")
    assert [n["read"] for n in notes] == [False, False, True, True, True, True]
    assert await crowd.unread("author") == 2
    # Again: nothing left to change up to there.
    assert (await crowd.call("author", MARK_READ, upTo=ids[3])).ok() == {"markNotificationsRead": 0}
    assert (await crowd.call("author", MARK_READ)).ok() == {"markNotificationsRead": 2}
    assert await crowd.unread("author") == 0


async def test_concurrent_read_marks_change_each_notification_once(crowd: Activity) -> None:
    ids = await _notifications_on_distinct_posts(crowd, 8)
    marks = [crowd.call("author", MARK_READ) for _ in range(4)]
    marks += [crowd.call("author", MARK_READ, upTo=ids[i]) for i in (1, 4, 7)]
    results = await asyncio.gather(*marks)
    assert sum(r.ok()["markNotificationsRead"] for r in results) == 8
    assert await crowd.unread("author") == 0


async def test_unread_count_is_exact_while_likes_fold(crowd: Activity) -> None:
    await crowd.user("author")
    posts = [await crowd.share("author", f"p{i}") for i in range(5)]
    fans = await crowd.users("fan", 10)
    likes = [crowd.call(fan, LIKE, id=post) for fan in fans for post in posts]
    await asyncio.gather(*likes, crowd.fold(), crowd.fold())
    assert await crowd.unread("author") == 5
    notes = await crowd.notifications("author")
    assert sorted(n["actorCount"] for n in notes) == [10] * 5


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


async def _until(what: str, check: Callable[[], Awaitable[bool]], log: Path) -> None:
    for _ in range(DEADLINE_SECONDS * 10):
        if await check():
            return
        await asyncio.sleep(0.1)
    pytest.fail(f"never happened: {what}\n" + await asyncio.to_thread(log.read_text))


@pytest.mark.timeout(180)  # two worker start-ups
async def test_a_worker_killed_mid_fold_loses_no_notification(
    crowd: Activity,
    settings: Settings,
    tmp_path: Path,
    workers: list[subprocess.Popen[bytes]],
) -> None:
    env = processes.cli_env(settings, SNAPFEED_LOG_FORMAT="text")
    log = tmp_path / "workers.log"
    for name in ("star", "ada", "bob"):
        await crowd.user(name)
    post = await crowd.share("star", "p")
    await crowd.like("ada", post)
    await crowd.fold()
    db = crowd.deps.db
    async with db.acquire() as conn, conn.transaction():
        # Hold the notification, so that the worker's fold stops inside its transaction.
        await conn.execute("SELECT id FROM notifications FOR UPDATE")
        await crowd.like("bob", post)
        first = processes.start(["worker"], env, log)
        workers.append(first)

        async def folding_blocked() -> bool:
            assert first.poll() is None, log.read_text()
            waiting = await db.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND query LIKE '%INSERT INTO notifications%'"
            )
            return bool(waiting)

        await _until("the worker's fold waits on the notification", folding_blocked, log)
        # The event is claimed (deleted, uncommitted) in the worker's open transaction.
        claimed = "SELECT id FROM notification_events FOR UPDATE SKIP LOCKED"
        assert await db.fetchval("SELECT count(*) FROM notification_events") == 1
        assert await db.fetch(claimed) == []
        first.send_signal(signal.SIGKILL)
        first.wait()
    second = processes.start(["worker"], env, log)
    workers.append(second)

    async def folded() -> bool:
        assert second.poll() is None, log.read_text()
        count = await db.fetchval("SELECT actor_count FROM notifications")
        return bool(count == 2)

    await _until("the next worker folds the event back in", folded, log)
    assert await db.fetchval("SELECT count(*) FROM notification_events") == 0
    assert summary(await crowd.notifications("star")) == [("LIKE", 2, ["bob", "ada"])]
