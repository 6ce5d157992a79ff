"""A published post reaches its followers' feeds even when PostgreSQL or Redis goes away at
the wrong moment in the worker (as the soak, bench/soak.py, saw during a PostgreSQL restart):
arq fails a job that raises, and no reconciler looks at a post once it is PUBLISHED, so both
the fan-out job and the tail of the media job run again later instead of failing."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from arq import Retry
from arq.connections import ArqRedis

from resolvers import live
from resolvers.deps import Deps
from storage import users
from storage.postgres import open_pool
from tests import media_samples
from tests.client import GraphQLClient, create_post, upload
from tests.processes import free_port
from tests.social import RunJobs, Social, published_post
from workers import media as workers_media
from workers.fanout import fanout_post
from workers.media import process_post


async def _published_to_a_follower(social: Social, caption: str) -> int:
    """A PUBLISHED post of "author", followed by "reader", not fanned out yet."""
    await social.user("author")
    await social.user("reader")
    assert await social.follow("reader", "author") == "FOLLOWING"
    return await published_post(social.deps, social.raw_id("author"), caption)


async def _processing_for_a_follower(
    gql: GraphQLClient, deps: Deps, run_jobs: RunJobs
) -> tuple[Social, int]:
    """A post of "author" (followed by "reader") with a photo, created through the API and
    not yet processed: its row id."""
    social = Social(gql, deps, run_jobs)
    await social.user("author")
    await social.user("reader")
    assert await social.follow("reader", "author") == "FOLLOWING"
    token = social.tokens["author"]
    media_id = await upload(gql, token, media_samples.jpeg(120, 90), "image/jpeg")
    (await create_post(gql, token, [media_id], caption="hello")).ok()
    return social, int(await deps.db.fetchval("SELECT id FROM posts"))


async def test_fan_out_while_postgres_is_down_runs_again_instead_of_failing(
    gql: GraphQLClient, deps: Deps, run_jobs: RunJobs
) -> None:
    social = Social(gql, deps, run_jobs)
    post_id = await _published_to_a_follower(social, "published meanwhile")
    healthy = deps.db
    # Nothing listens on this port: every connection is refused, as while PostgreSQL restarts.
    deps.db = await open_pool(
        f"postgresql://postgres@127.0.0.1:{free_port()}/postgres", min_size=0, max_size=2
    )
    try:
        with pytest.raises(Retry):
            await fanout_post({"deps": deps, "job_try": 1}, post_id)
    finally:
        await deps.db.close()
        deps.db = healthy
    assert await social.captions("reader") == []
    await fanout_post({"deps": deps, "job_try": 2}, post_id)
    assert await social.captions("reader") == ["published meanwhile"]


async def test_a_fan_out_that_fails_any_other_way_runs_again_too(
    gql: GraphQLClient, deps: Deps, run_jobs: RunJobs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The soak's lost fan-out: during a PostgreSQL fast shutdown a pooled connection failed
    mid-statement with asyncpg's InternalClientError, which is no 'unavailable' error, so
    the job failed for good and the post reached no follower who was already following."""
    social = Social(gql, deps, run_jobs)
    post_id = await _published_to_a_follower(social, "published at the shutdown")

    async def broken(*args: object, **kwargs: object) -> None:
        raise asyncpg.InternalClientError(
            "cannot switch to state 12; another operation (2) is in progress"
        )

    with monkeypatch.context() as patch:
        patch.setattr(users, "by_ids", broken)
        with pytest.raises(Retry):
            await fanout_post({"deps": deps, "job_try": 1}, post_id)
    assert await social.captions("reader") == []
    await fanout_post({"deps": deps, "job_try": 2}, post_id)
    assert await social.captions("reader") == ["published at the shutdown"]


async def test_a_post_published_while_the_queue_is_down_is_fanned_out_on_the_next_try(
    gql: GraphQLClient, deps: Deps, run_jobs: RunJobs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers_media, "QUEUE_WAITS", (0.01, 0.01))
    social, row_id = await _processing_for_a_follower(gql, deps, run_jobs)
    healthy = deps.jobs
    # The queue's Redis refuses connections once the post is published.
    deps.jobs = ArqRedis(host="127.0.0.1", port=free_port())
    try:
        with pytest.raises(Retry):
            await process_post({"deps": deps, "job_try": 1}, row_id)
    finally:
        await deps.jobs.aclose()
        deps.jobs = healthy
    assert await deps.db.fetchval("SELECT status FROM posts") == "published"
    # The next try finds the post published and queues the fan-out it could not queue.
    assert await process_post({"deps": deps, "job_try": 2}, row_id) == "published"
    await run_jobs()
    assert await social.captions("reader") == ["hello"]


async def test_a_queue_back_within_the_jobs_waits_gets_the_fan_out_at_once(
    gql: GraphQLClient, deps: Deps, run_jobs: RunJobs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A short outage of the queue's Redis is waited out inside the job: arq's retry needs
    that Redis too, and a retry it could not record would leave the post unfanned."""
    monkeypatch.setattr(workers_media, "QUEUE_WAITS", (0.2, 0.2, 0.2, 5.0))
    social, row_id = await _processing_for_a_follower(gql, deps, run_jobs)
    told: list[int] = []
    post_changed = live.post_changed

    async def counted(deps: Deps, post_id: int) -> None:
        told.append(post_id)
        await post_changed(deps, post_id)

    monkeypatch.setattr(live, "post_changed", counted)
    healthy = deps.jobs
    deps.jobs = down = ArqRedis(host="127.0.0.1", port=free_port())

    async def back_soon() -> None:
        await asyncio.sleep(0.3)
        deps.jobs = healthy

    comeback = asyncio.ensure_future(back_soon())
    try:
        assert await process_post({"deps": deps, "job_try": 1}, row_id) == "published"
    finally:
        await comeback
        await down.aclose()
    assert len(told) == 1  # the post's watchers heard of it once, not once per queueing try
    await run_jobs()
    assert await social.captions("reader") == ["hello"]


async def test_a_session_ended_by_a_postgres_restart_counts_as_unavailable(deps: Deps) -> None:
    """A fast shutdown ends every session as pg_terminate_backend does (57P01): jobs must take
    it as a dependency gone for now, not as a failure of their own (asyncpg reports it as
    ConnectionDoesNotExistError mid-statement, AdminShutdownError otherwise)."""
    import asyncpg

    from storage.unavailable import UNAVAILABLE

    settings_dsn = deps.settings.database_url
    assert settings_dsn
    victim = await asyncpg.connect(settings_dsn)
    try:
        pid = await victim.fetchval("SELECT pg_backend_pid()")
        # Ended in the middle of a statement, as a job's query is when the server stops.
        running = asyncio.ensure_future(victim.fetchval("SELECT pg_sleep(30)"))
        async with asyncio.timeout(20):
            while not await deps.db.fetchval(  # noqa: ASYNC110 (another session's state)
                "SELECT state = 'active' FROM pg_stat_activity WHERE pid = $1", pid
            ):
                await asyncio.sleep(0.01)
        assert await deps.db.fetchval("SELECT pg_terminate_backend($1)", pid)
        with pytest.raises(UNAVAILABLE):
            await running
    finally:
        victim.terminate()
