"""Counter shards compacted by the engagement drain: the sums never change, the rows shrink."""

from __future__ import annotations

import itertools

import pytest

from resolvers.deps import Deps
from schema import global_id
from storage import counters
from storage.counters import PostCounts
from tests.social import Social

Shards = dict[tuple[str, int], int]  # (counter, shard) -> value

LIKE = "mutation($id: ID!) { likePost(postId: $id) { likeCount } }"
COMMENT = "mutation($id: ID!, $body: String!) { addComment(postId: $id, body: $body) { id } }"
COUNTS = "query($id: ID!) { post(id: $id) { likeCount commentCount } }"


async def put(deps: Deps, post_id: int, shards: Shards) -> None:
    await deps.db.executemany(
        "INSERT INTO post_counter_shards (post_id, counter, shard, value) VALUES ($1, $2, $3, $4)",
        [(post_id, counter, shard, value) for (counter, shard), value in shards.items()],
    )


async def rows(deps: Deps, post_id: int) -> Shards:
    records = await deps.db.fetch(
        "SELECT counter, shard, value FROM post_counter_shards WHERE post_id = $1", post_id
    )
    return {(r["counter"], r["shard"]): r["value"] for r in records}


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ({}, {}),
        ({("likes", 4): 7}, {("likes", 4): 7}),
        (
            {("likes", 3): 2, ("likes", 9): -1, ("likes", 15): 5},
            {("likes", 3): 6},
        ),
        ({("likes", 0): 1, ("likes", 1): -1}, {("likes", 0): 0}),
        (
            {("likes", 2): 1, ("likes", 7): 1, ("comments", 5): 3, ("comments", 11): -2},
            {("likes", 2): 2, ("comments", 5): 1},
        ),
        (
            {("likes", s): 1 for s in range(counters.COUNTER_SHARDS)},
            {("likes", 0): counters.COUNTER_SHARDS},
        ),
    ],
)
async def test_compaction_keeps_the_sums_on_one_row_per_counter(
    deps: Deps, social: Social, before: Shards, after: Shards
) -> None:
    await social.user("ann")
    post_id = await social.post("ann", "shards")
    other = await social.post("ann", "not compacted")
    await put(deps, post_id, before)
    await put(deps, other, {("likes", 1): 1, ("likes", 2): 1})
    totals = await counters.totals(deps.db, [post_id])

    await counters.compact(deps.db, [post_id, post_id])

    assert await rows(deps, post_id) == after
    assert await counters.totals(deps.db, [post_id]) == totals
    assert await rows(deps, other) == {("likes", 1): 1, ("likes", 2): 1}


async def test_a_shard_held_by_a_writer_is_left_alone_and_its_change_counts(
    deps: Deps, social: Social
) -> None:
    await social.user("ann")
    post_id = await social.post("ann", "busy")
    await put(deps, post_id, {("likes", 1): 2, ("likes", 6): 3, ("likes", 12): 4})
    async with deps.db.acquire() as writer:
        counting = writer.transaction()
        await counting.start()
        # A like being counted on shard 6, not yet committed: its row is locked.
        await writer.execute(
            "UPDATE post_counter_shards SET value = value + 1"
            " WHERE post_id = $1 AND counter = 'likes' AND shard = 6",
            post_id,
        )
        async with deps.db.acquire() as compactor, compactor.transaction():
            # Waiting for the writer would be a lock wait (and a deadlock risk): fail fast.
            await compactor.execute("SET LOCAL lock_timeout = '5s'")
            await counters.compact(compactor, [post_id])
        await counting.commit()

    assert await rows(deps, post_id) == {("likes", 1): 6, ("likes", 6): 4}
    assert await counters.totals(deps.db, [post_id]) == {post_id: PostCounts(likes=10)}


async def test_the_drain_compacts_what_likes_and_comments_spread(
    deps: Deps, social: Social, monkeypatch: pytest.MonkeyPatch
) -> None:
    shards = itertools.cycle(range(counters.COUNTER_SHARDS))
    monkeypatch.setattr(counters, "random_shard", lambda: next(shards))
    await social.user("ann")
    post_id = await social.post("ann", "liked")
    gid = global_id.encode("Post", post_id)
    for name in ("bob", "cat", "dan", "eve"):
        await social.user(name)
        (await social.gql(LIKE, {"id": gid}, token=social.tokens[name])).ok()
        body = f"hi from {name}"
        (await social.gql(COMMENT, {"id": gid, "body": body}, token=social.tokens[name])).ok()
    assert len(await rows(deps, post_id)) == 8

    await social.run_jobs()

    assert sorted(counter for counter, _ in await rows(deps, post_id)) == ["comments", "likes"]
    counts = (await social.gql(COUNTS, {"id": gid}, token=social.tokens["bob"])).ok()
    assert counts["post"] == {"likeCount": 4, "commentCount": 4}
