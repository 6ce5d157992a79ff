"""The feed store in Cassandra (`feed_items`): one partition per reader, newest post first.

cassandra-driver does its I/O on its own threads and reports through callbacks; `wait`
hands a request's outcome to the event loop. Its blocking calls (connecting, schema
changes, preparing, shutdown) run in a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from cassandra import ConsistencyLevel, ProtocolVersion
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
from cassandra.policies import DCAwareRoundRobinPolicy, TokenAwarePolicy
from cassandra.query import BatchStatement, BatchType, tuple_factory

from storage import keys
from storage.feeds.base import FeedEntry
from storage.feeds.cassandra_schema import apply_migrations, check_keyspace_name, ensure_keyspace

# Rows per single-partition batch: small enough to stay under the server's default
# batch_size_warn_threshold (5 KiB) with three bigints a row.
BATCH_ROWS = 50
# Partitions per unlogged batch of rows bound for the same replica: a fan-out to 10 000
# feeds is 1 000 requests instead of 10 000 (each costs client and server CPU), and
# Cassandra warns only above 10 (unlogged_batch_across_partitions_warn_threshold).
BATCH_PARTITIONS = 10
# Requests one call keeps in flight; the driver allows far more per connection.
CONCURRENCY = 64
# Rows per page when reading through a whole feed partition.
SCAN_PAGE_ROWS = 1000

T = TypeVar("T")


async def wait(response_future: Any) -> Any:
    """Await a driver `ResponseFuture`; returns its `ResultSet`.

    Only `ResultSet.current_rows` may be read: iterating past the current page would
    fetch the next one synchronously, blocking the event loop. Page with
    `ResultSet.paging_state` and a new request instead (see `_pages`).
    """
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def settle(error: BaseException | None) -> None:
        if done.done():  # the awaiting task was cancelled meanwhile
            return
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)

    def hand_over(error: BaseException | None) -> None:
        # Runs on a driver thread (or inline, when the result is already there).
        # RuntimeError: the loop is closed, so nobody is waiting any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, error)

    response_future.add_callbacks(
        callback=lambda _rows: hand_over(None), errback=lambda error: hand_over(error)
    )
    await done
    # The driver marks the future finished before calling back, so this does not block.
    return response_future.result()


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _contact_point(host: str) -> str | tuple[str, int]:
    """A host name or address, or "host:port" (a bare IPv6 address is taken as a host)."""
    name, sep, port = host.rpartition(":")
    if sep and name and ":" not in name and port.isdigit():
        return (name, int(port))
    return host


def _packed(bound: Sequence[Any]) -> Any:
    """One request for these bound statements: the statement itself, or an unlogged batch."""
    if len(bound) == 1:
        return bound[0]
    batch = BatchStatement(batch_type=BatchType.UNLOGGED)
    batch.is_idempotent = True
    for statement in bound:
        batch.add(statement)
    return batch


class AuthorRuns:
    """Runs of consecutive rows by one author in a feed read newest first, as
    (newest post id, oldest post id); a run may continue from one page to the next.

    A range delete over a run also removes any row pushed into that range after the scan
    read it (a backfill of an older post racing the unfollow): at worst one post missing
    from one feed, against thousands of tombstones saved.
    """

    def __init__(self) -> None:
        self._open: tuple[int, int] | None = None

    def feed(self, rows: Iterable[tuple[int, int]], author_id: int) -> list[tuple[int, int]]:
        """Take (post id, author id) rows, newest first; returns the runs they ended."""
        ended: list[tuple[int, int]] = []
        for post_id, author in rows:
            if author == author_id:
                newest = self._open[0] if self._open else post_id
                self._open = (newest, post_id)
            elif self._open is not None:
                ended.append(self._open)
                self._open = None
        return ended

    def close(self) -> list[tuple[int, int]]:
        ended, self._open = ([self._open] if self._open else []), None
        return ended


@dataclass(frozen=True)
class _Statements:
    insert: Any
    page_all: Any
    page_before: Any
    scan: Any
    delete_one: Any
    delete_range: Any

    @classmethod
    def prepare(cls, session: Any, keyspace: str) -> _Statements:
        # Qualified names: a statement prepared under `USE keyspace` is ambiguous, and
        # Cassandra 5 warns on every such PREPARE.
        table = f"{keyspace}.{keys.CASSANDRA_FEED_ITEMS}"
        cql = {
            "insert": f"INSERT INTO {table} (user_id, post_id, author_id) VALUES (?, ?, ?)",
            "page_all": f"SELECT post_id FROM {table} WHERE user_id = ? LIMIT ?",
            "page_before": f"SELECT post_id FROM {table} WHERE user_id = ? AND post_id < ? LIMIT ?",
            "scan": f"SELECT post_id, author_id FROM {table} WHERE user_id = ?",
            "delete_one": f"DELETE FROM {table} WHERE user_id = ? AND post_id = ?",
            # One range tombstone for a run of rows instead of a tombstone per row.
            "delete_range": (
                f"DELETE FROM {table} WHERE user_id = ? AND post_id <= ? AND post_id >= ?"
            ),
        }
        prepared = {}
        for name, text in cql.items():
            statement = session.prepare(text)
            # All of them can be repeated safely, so the driver may retry them on timeouts.
            statement.is_idempotent = True
            prepared[name] = statement
        return cls(**prepared)


def _open(hosts: Sequence[str], keyspace: str) -> tuple[Any, Any, _Statements]:
    profile = ExecutionProfile(
        load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy()),
        # A quorum of the local replicas on both sides: a reader sees what was pushed or
        # removed before it, whatever the replication factor.
        consistency_level=ConsistencyLevel.LOCAL_QUORUM,
        row_factory=tuple_factory,
    )
    cluster = Cluster(
        contact_points=[_contact_point(h) for h in hosts],
        execution_profiles={EXEC_PROFILE_DEFAULT: profile},
        # Cassandra 4.0 and later speak v5; without it the driver starts at its newest
        # (DSE) versions and downgrades with a warning on every connect.
        protocol_version=ProtocolVersion.V5,
    )
    try:
        session = cluster.connect()
        ensure_keyspace(session, keyspace)
        apply_migrations(session)
        return cluster, session, _Statements.prepare(session, keyspace)
    except BaseException:
        cluster.shutdown()
        raise


class CassandraFeedStore:
    """`FeedStore` on Cassandra.

    Writes are upserts: pushing an entry again rewrites the same row with the same
    content, which leaves the feed as it was. A post cannot be found in every feed
    without a full scan, so `remove_post` removes it from the users named only.
    """

    def __init__(self, cluster: Any, session: Any, statements: _Statements, keyspace: str) -> None:
        self._cluster = cluster
        self._session = session
        self._q = statements
        self._keyspace = keyspace

    @classmethod
    async def connect(cls, hosts: Sequence[str], keyspace: str) -> CassandraFeedStore:
        """Connect, create the keyspace if missing and apply pending CQL migrations."""
        if not hosts:
            raise ValueError("no Cassandra hosts given")
        check_keyspace_name(keyspace)
        cluster, session, statements = await asyncio.to_thread(_open, list(hosts), keyspace)
        return cls(cluster, session, statements, keyspace)

    @property
    def session(self) -> Any:
        """The driver session, for administration (and tests' cleanup)."""
        return self._session

    async def push(self, entries: Sequence[FeedEntry]) -> None:
        rows = [(e.user_id, e.post_id, e.author_id) for e in entries]
        await self._run_all(self._grouped(self._q.insert, rows))

    async def page(self, user_id: int, *, before: int | None, limit: int) -> list[int]:
        if limit <= 0:  # CQL refuses LIMIT 0
            return []
        params: tuple[int, ...]
        if before is None:
            statement, params = self._q.page_all, (user_id, limit)
        else:
            statement, params = self._q.page_before, (user_id, before, limit)
        return [row[0] async for rows in self._pages(statement, params) for row in rows]

    async def remove_post(self, post_id: int, user_ids: Sequence[int]) -> None:
        await self._run_all(
            self._grouped(self._q.delete_one, [(u, post_id) for u in set(user_ids)])
        )

    async def remove_author(self, user_id: int, author_id: int) -> None:
        """Read the partition (author_id is not part of the key) and delete what matches.

        A page at a time, so a long feed is never held in memory. Consecutive rows of the
        author (a prolific account's posts in a row) go as one range delete: every row
        deleted leaves a tombstone that later reads of this feed must step over until
        compaction purges it, and a range leaves one for the whole run.
        """
        runs = AuthorRuns()
        async for rows in self._pages(self._q.scan, (user_id,)):
            finished = runs.feed(rows, author_id)
            await self._delete_runs(user_id, finished)
        await self._delete_runs(user_id, runs.close())

    async def close(self) -> None:
        await asyncio.to_thread(self._cluster.shutdown)

    async def _delete_runs(self, user_id: int, runs: Sequence[tuple[int, int]]) -> None:
        singles = [(user_id, newest) for newest, oldest in runs if newest == oldest]
        ranges = [(user_id, newest, oldest) for newest, oldest in runs if newest != oldest]
        await self._run_all(
            self._grouped(self._q.delete_one, singles) + self._grouped(self._q.delete_range, ranges)
        )

    def _grouped(self, statement: Any, rows: Sequence[tuple[int, ...]]) -> list[Any]:
        """Statements applying `statement` to `rows` (partition key first), few requests.

        A partition's rows go together (up to BATCH_ROWS a batch: a single-partition batch
        is applied atomically, and UNLOGGED skips the batch log that would only add a round
        of writes). Partitions whose first replica is the same node share a batch, up to
        BATCH_PARTITIONS, sent to that node (token-aware routing follows the batch's first
        statement), so no coordinator forwards rows it does not own. Not atomic across
        partitions: every statement here is idempotent, and callers retry whole calls.
        """
        by_partition: dict[int, list[tuple[int, ...]]] = {}
        for row in rows:
            by_partition.setdefault(row[0], []).append(row)
        by_replica: dict[Any, list[list[Any]]] = {}
        for partition_rows in by_partition.values():
            for chunk in _chunks(partition_rows, BATCH_ROWS):
                bound = [statement.bind(row) for row in chunk]
                by_replica.setdefault(self._first_replica(bound[0]), []).append(bound)
        statements: list[Any] = []
        for units in by_replica.values():
            batch: list[Any] = []
            partitions = 0
            for unit in units:
                if batch and (
                    partitions == BATCH_PARTITIONS or len(batch) + len(unit) > BATCH_ROWS
                ):
                    statements.append(_packed(batch))
                    batch, partitions = [], 0
                batch += unit
                partitions += 1
            if batch:
                statements.append(_packed(batch))
        return statements

    def _first_replica(self, bound: Any) -> Any:
        replicas = self._cluster.metadata.get_replicas(self._keyspace, bound.routing_key)
        return replicas[0] if replicas else None

    async def _run_all(self, statements: Iterable[Any]) -> None:
        slots = asyncio.Semaphore(CONCURRENCY)

        async def run(statement: Any) -> None:
            async with slots:
                await wait(self._session.execute_async(statement))

        async with asyncio.TaskGroup() as group:
            for statement in statements:
                group.create_task(run(statement))

    async def _pages(self, statement: Any, params: tuple[int, ...]) -> AsyncIterator[list[Any]]:
        """Every non-empty page of rows of a query, fetched one request at a time."""
        paging_state: bytes | None = None
        while True:
            bound = statement.bind(params)
            bound.fetch_size = SCAN_PAGE_ROWS
            result = await wait(self._session.execute_async(bound, paging_state=paging_state))
            rows = list(result.current_rows)
            if rows:  # a page can come back empty (tombstones) and still have a successor
                yield rows
            paging_state = result.paging_state
            if paging_state is None:
                return
