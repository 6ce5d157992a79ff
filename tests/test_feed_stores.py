"""One contract for every FeedStore backend: each test runs on PostgreSQL and on Cassandra.

Cassandra is the cluster SNAPFEED_CASSANDRA_HOSTS names, or else the embedded node
(tests/cassandra_node.py); the Cassandra cases are skipped only without java or mvn.
"""

from __future__ import annotations

import asyncio
import random
import re
from typing import TYPE_CHECKING

import pytest

from resolvers.deps import Deps
from storage import keys
from storage.feeds.base import FeedEntry, FeedStore
from storage.feeds.open import open_feed_store
from storage.feeds.postgres import PostgresFeedStore

if TYPE_CHECKING:  # cassandra-driver is imported only when a test needs Cassandra
    from storage.feeds.cassandra import CassandraFeedStore

USERS = 50
# Snowflake-sized post ids, 2**22 apart like ids made a millisecond apart: larger is newer.
POST_BASE = 1_850_000_000_000_000_000


def post(n: int) -> int:
    return POST_BASE + (n << 22)


def entries(user_id: int, author_id: int, numbers: range | list[int]) -> list[FeedEntry]:
    return [FeedEntry(user_id, post(n), author_id) for n in numbers]


def newest_first(numbers: range | list[int]) -> list[int]:
    return sorted((post(n) for n in numbers), reverse=True)


@pytest.fixture(params=["postgres", "cassandra"])
def store(request: pytest.FixtureRequest, deps: Deps) -> FeedStore:
    """The backend under test, with an empty feed table.

    It asks for `deps` even for Cassandra: conftest's table cleanup runs only for tests
    that use `deps`, and the `users` fixture needs it on PostgreSQL. A plain function,
    because an async fixture cannot ask for an async one while the loop is running.
    """
    backend: FeedStore = request.getfixturevalue(f"{request.param}_store")
    return backend


@pytest.fixture
async def postgres_store(deps: Deps) -> FeedStore:
    return await open_feed_store(
        backend="postgres", db=deps.db, cassandra_hosts=(), cassandra_keyspace="unused"
    )


@pytest.fixture
async def users(store: FeedStore, deps: Deps) -> list[int]:
    """Ids of USERS readers, ascending: real accounts where the feed table references them."""
    if isinstance(store, PostgresFeedStore):
        rows = await deps.db.fetch(
            "INSERT INTO users (username, password_hash)"
            " SELECT 'reader_' || i, 'not-a-hash' FROM generate_series(1, $1) AS i"
            " RETURNING id",
            USERS,
        )
        return sorted(r["id"] for r in rows)
    # Cassandra has no users table: any distinct ids, big ones included.
    return sorted(random.sample(range(1, 2**62), USERS))


async def test_push_then_page_newest_first(store: FeedStore, users: list[int]) -> None:
    reader, author = users[0], users[1]
    numbers = [3, 1, 4, 15, 9, 2, 6]
    await store.push(entries(reader, author, numbers))
    assert await store.page(reader, before=None, limit=100) == newest_first(numbers)


async def test_page_before_is_strict_and_limited(store: FeedStore, users: list[int]) -> None:
    reader, author = users[0], users[1]
    await store.push(entries(reader, author, range(20)))
    assert await store.page(reader, before=post(10), limit=3) == [post(9), post(8), post(7)]
    assert await store.page(reader, before=post(2), limit=10) == [post(1), post(0)]
    assert await store.page(reader, before=post(0), limit=10) == []
    assert await store.page(reader, before=None, limit=2) == [post(19), post(18)]
    # A cursor need not be an id in the feed.
    assert await store.page(reader, before=post(5) + 1, limit=1) == [post(5)]


async def test_paging_through_57_items_yields_each_once_in_order(
    store: FeedStore, users: list[int]
) -> None:
    reader, author = users[0], users[1]
    await store.push(entries(reader, author, range(57)))
    seen: list[int] = []
    before: int | None = None
    pages = 0
    while page := await store.page(reader, before=before, limit=10):
        assert len(page) <= 10
        seen += page
        before = page[-1]
        pages += 1
    assert pages == 6
    assert seen == newest_first(range(57))


async def test_pushing_the_same_entries_twice_keeps_one_copy(
    store: FeedStore, users: list[int]
) -> None:
    reader, author = users[0], users[1]
    batch = entries(reader, author, range(5))
    await store.push(batch)
    await store.push(batch)
    await store.push(batch[:2] + batch[:2])  # duplicates within one push too
    assert await store.page(reader, before=None, limit=100) == newest_first(range(5))


async def test_feeds_are_independent(store: FeedStore, users: list[int]) -> None:
    alice, bob, author = users[0], users[1], users[2]
    await store.push(entries(alice, author, [1, 2, 3]) + entries(bob, author, [3, 4]))
    assert await store.page(alice, before=None, limit=10) == newest_first([1, 2, 3])
    assert await store.page(bob, before=None, limit=10) == newest_first([3, 4])
    await store.remove_author(alice, author)
    assert await store.page(alice, before=None, limit=10) == []
    assert await store.page(bob, before=None, limit=10) == newest_first([3, 4])


async def test_remove_post_removes_it_from_the_listed_users(
    store: FeedStore, users: list[int]
) -> None:
    readers, author = users[:3], users[3]
    for reader in readers:
        await store.push(entries(reader, author, [1, 2, 3]))
    await store.remove_post(post(2), readers)
    for reader in readers:
        assert await store.page(reader, before=None, limit=10) == newest_first([1, 3])
    # Removing it again, or from a user who never had it, is harmless.
    await store.remove_post(post(2), [readers[0], users[10]])
    await store.remove_post(post(99), [])
    assert await store.page(readers[0], before=None, limit=10) == newest_first([1, 3])


async def test_remove_author_removes_only_that_author_from_only_that_user(
    store: FeedStore, users: list[int]
) -> None:
    alice, bob, gone, kept = users[0], users[1], users[2], users[3]
    await store.push(
        entries(alice, gone, [1, 3, 5])
        + entries(alice, kept, [2, 4, 6])
        + entries(bob, gone, [1, 3, 5])
    )
    await store.remove_author(alice, gone)
    assert await store.page(alice, before=None, limit=10) == newest_first([2, 4, 6])
    assert await store.page(bob, before=None, limit=10) == newest_first([1, 3, 5])
    await store.remove_author(alice, gone)  # nothing left to remove
    await store.remove_author(users[4], gone)  # an empty feed
    assert await store.page(alice, before=None, limit=10) == newest_first([2, 4, 6])


async def test_remove_author_across_a_long_feed(store: FeedStore, users: list[int]) -> None:
    reader, gone, kept = users[0], users[1], users[2]
    # Longer than one page of a partition scan, the two authors interleaved.
    await store.push(
        entries(reader, gone, range(0, 2400, 2)) + entries(reader, kept, range(1, 2400, 2))
    )
    await store.remove_author(reader, gone)
    assert await store.page(reader, before=None, limit=5000) == newest_first(range(1, 2400, 2))


async def test_page_of_an_unknown_or_empty_user_is_empty(
    store: FeedStore, users: list[int]
) -> None:
    await store.push(entries(users[0], users[1], range(3)))
    assert await store.page(users[2], before=None, limit=10) == []
    assert await store.page(users[-1] + 1_000, before=None, limit=10) == []
    assert await store.page(users[2], before=post(2), limit=10) == []
    assert await store.page(users[0], before=None, limit=0) == []
    await store.push([])  # nothing to do


async def test_large_push_across_many_users(store: FeedStore, users: list[int]) -> None:
    # 2500 entries: every one of the 50 users gets 50 posts, a different set each.
    pushed = [
        FeedEntry(reader, post(i * 7 + n * 3), users[(i + n) % USERS])
        for i, reader in enumerate(users)
        for n in range(50)
    ]
    assert len(pushed) == 2500
    await store.push(pushed)
    for i, reader in enumerate(users):
        expected = newest_first([i * 7 + n * 3 for n in range(50)])
        assert await store.page(reader, before=None, limit=100) == expected
        assert await store.page(reader, before=expected[9], limit=10) == expected[10:20]


async def test_one_post_fanned_out_to_every_feed_then_removed(
    store: FeedStore, users: list[int]
) -> None:
    # One row per partition, as fan-out writes: rows of many feeds share requests.
    author = users[0]
    await store.push([FeedEntry(reader, post(7), author) for reader in users])
    for reader in users:
        assert await store.page(reader, before=None, limit=10) == [post(7)]
    await store.remove_post(post(7), users)
    for reader in users:
        assert await store.page(reader, before=None, limit=10) == []


async def test_remove_author_keeps_the_neighbours_of_long_runs(
    store: FeedStore, users: list[int]
) -> None:
    reader, gone, kept = users[0], users[1], users[2]
    # A run longer than a scan page, then short runs, each between rows that must stay.
    gone_numbers = [*range(1, 2501), 2502, 2511, 2512]
    kept_numbers = [0, 2501, *range(2503, 2511), 2513]
    await store.push(entries(reader, gone, gone_numbers) + entries(reader, kept, kept_numbers))
    await store.remove_author(reader, gone)
    assert await store.page(reader, before=None, limit=5000) == newest_first(kept_numbers)


async def test_cassandra_purges_a_run_with_one_range_tombstone(
    cassandra_store: CassandraFeedStore,
) -> None:
    """Reading a feed after an unfollow steps over a range, not a tombstone per row."""
    reader, gone, kept = 1, 2, 3
    await cassandra_store.push(
        entries(reader, kept, range(3)) + entries(reader, gone, range(3, 3003))
    )
    await cassandra_store.remove_author(reader, gone)
    query = f"SELECT post_id FROM {keys.CASSANDRA_FEED_ITEMS} WHERE user_id = %s LIMIT 20"

    def traced_read() -> tuple[list[int], list[str]]:
        result = cassandra_store.session.execute(query, (reader,), trace=True)
        trace = result.get_query_trace(max_wait_sec=30)
        return [row[0] for row in result.current_rows], [e.description for e in trace.events]

    ids, events = await asyncio.to_thread(traced_read)
    assert ids == newest_first(range(3))
    scanned = [e for e in events if "tombstone" in e]
    assert scanned, events  # the trace reports what the read stepped over
    tombstones = [int(m) for e in scanned for m in re.findall(r"(\d+) tombstone", e)]
    assert max(tombstones) <= 2  # one range: its two bounds, not 3000 rows


async def test_cassandra_feed_items_expire_after_90_days(
    cassandra_store: CassandraFeedStore,
) -> None:
    await cassandra_store.push(entries(1, 2, range(3)))
    query = f"SELECT TTL(author_id) FROM {keys.CASSANDRA_FEED_ITEMS} WHERE user_id = 1"
    result = await asyncio.to_thread(cassandra_store.session.execute, query)
    ttls = [row[0] for row in result.current_rows]
    ninety_days = 90 * 86_400
    assert len(ttls) == 3 and all(ninety_days - 86_400 < t <= ninety_days for t in ttls)
