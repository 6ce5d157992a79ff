"""A follow's user locks do not wait for the key-share locks that inserts referencing users
hold (the notification fold's actors, likes, comments, feed rows): waiting for them, while
such a transaction waited for a row the follow had locked, deadlocked under the soak."""

from __future__ import annotations

from resolvers.deps import Deps
from storage import follows
from tests.client import GraphQLClient
from tests.social import RunJobs, Social


async def test_locking_users_for_a_follow_does_not_wait_for_key_share_locks(
    gql: GraphQLClient, deps: Deps, run_jobs: RunJobs
) -> None:
    social = Social(gql, deps, run_jobs)
    await social.user("alice")
    await social.user("bob")
    ids = [social.raw_id("alice"), social.raw_id("bob")]
    async with deps.db.acquire() as holder, holder.transaction():
        # What a foreign-key check takes on each referenced user row.
        await holder.execute("SELECT 1 FROM users WHERE id = ANY($1::bigint[]) FOR KEY SHARE", ids)
        async with deps.db.acquire() as follower, follower.transaction():
            # A lock that must wait gives up at once instead: the outcome, not a timing.
            await follower.execute("SET LOCAL lock_timeout = '2s'")
            locked = await follows.lock_users(follower, ids)
            assert set(locked) == set(ids)
            await follows.adjust_counts(follower, [ids[0]], ids[1], +1)
    assert await social.follow("alice", "bob") == "FOLLOWING"
