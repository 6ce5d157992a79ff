"""The home feed: hybrid fan-out, celebrity merge at read, stores and caches."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from arq import Retry

from resolvers.deps import Deps
from resolvers.feed import fanout
from schema import global_id
from tests import media_samples
from tests.client import GraphQLClient, create_post, upload
from tests.round_trips import RoundTripMeter
from tests.social import FEED, FOLLOW, Social
from workers.fanout import fanout_post

RunJobs = Callable[[], Awaitable[int]]

UNFOLLOW = "mutation($id: ID!) { unfollow(userId: $id) { status } }"


@pytest.fixture(autouse=True, params=["postgres", "cassandra", "postgres+cluster"])
def feed_store(request: pytest.FixtureRequest, deps: Deps) -> str:
    """Every test here runs with each feed store (SNAPFEED_FEED_STORE), and with PostgreSQL
    and a Redis Cluster (SNAPFEED_REDIS_URL=redis+cluster://...) instead of one Valkey node.

    A plain function, because an async fixture cannot ask for an async one while the loop
    is running.
    """
    if request.param == "cassandra":
        request.getfixturevalue("cassandra_feeds")
    if request.param == "postgres+cluster":
        request.getfixturevalue("on_redis_cluster")
    return str(request.param)


async def stored_entries(deps: Deps, user_ids: list[int]) -> dict[int, list[int]]:
    """Each user's stored feed (post ids), through the feed store in use."""
    return {u: await deps.feeds.page(u, before=None, limit=100_000) for u in user_ids}


async def test_fan_out_reaches_active_followers_and_the_author(social: Social) -> None:
    for name in ("author", "active", "away"):
        await social.user(name)
    await social.follow("active", "author")
    await social.follow("away", "author")
    await social.make_inactive("away")
    await social.post("author", "hello")
    assert await social.feed_rows("active") == 1
    assert await social.feed_rows("author") == 1
    assert await social.feed_rows("away") == 0  # skipped by fan-out
    assert await social.captions("active") == ["hello"]
    assert await social.captions("author") == ["hello"]


async def test_inactive_follower_gets_a_rebuilt_feed_on_the_next_read(social: Social) -> None:
    for name in ("author", "away"):
        await social.user(name)
    await social.follow("away", "author")
    await social.make_inactive("away")
    await social.post("author", "while you were away")
    assert await social.feed_rows("away") == 0
    # Back after 40 days: the very first read answers with the rebuilt feed.
    assert await social.captions("away") == ["while you were away"]
    assert await social.feed_rows("away") == 1
    assert not await social.deps.db.fetchval(
        "SELECT feed_stale FROM users WHERE id = $1", social.raw_id("away")
    )


async def test_celebrity_posts_are_merged_at_read_newest_first(
    social: Social, tune: Callable[..., None]
) -> None:
    tune(celebrity_followers=3)
    for name in ("star", "friend", "reader", "fan1", "fan2"):
        await social.user(name)
    for fan in ("reader", "fan1", "fan2"):
        await social.follow(fan, "star")
    await social.follow("reader", "friend")
    order = ["star", "friend", "star", "friend", "friend", "star"]
    for i, author in enumerate(order):
        await social.post(author, f"{author}-{i}")
    # The star's posts were never pushed to followers' feeds...
    assert await social.feed_rows("fan1") == 0
    # ...yet the reader sees both authors interleaved, newest first.
    expected = [f"{a}-{i}" for i, a in reversed(list(enumerate(order)))]
    assert await social.captions("reader") == expected
    # Paging crosses the merge without repeats or gaps.
    first = await social.feed("reader", first=4)
    second = await social.feed("reader", first=4, after=first["pageInfo"]["endCursor"])
    seen = [e["node"]["caption"] for e in first["edges"] + second["edges"]]
    assert seen == expected and not second["pageInfo"]["hasNextPage"]


async def test_celebrity_post_costs_the_same_whatever_the_follower_count(
    social: Social, tune: Callable[..., None], round_trips: RoundTripMeter
) -> None:
    tune(celebrity_followers=3)
    deps = social.deps
    costs = []
    for star, fans in (("small_star", 3), ("big_star", 12)):
        await social.user(star)
        for i in range(fans):
            await social.user(f"{star}_fan{i}")
            await social.follow(f"{star}_fan{i}", star)
        post_id = await deps.db.fetchval(
            "INSERT INTO posts (author_id, status) VALUES ($1, 'published') RETURNING id",
            social.raw_id(star),
        )
        async with round_trips() as cost:
            result = await fanout_post({"deps": deps}, post_id)
        assert result["celebrity"] is True
        costs.append((cost.db, cost.redis))
    assert costs[0] == costs[1]


async def test_follow_backfills_and_unfollow_removes(social: Social) -> None:
    for name in ("author", "newcomer"):
        await social.user(name)
    for i in range(3):
        await social.post("author", f"old-{i}")
    assert await social.captions("newcomer") == []
    await social.follow("newcomer", "author")
    assert await social.captions("newcomer") == ["old-2", "old-1", "old-0"]
    await social.gql(UNFOLLOW, {"id": social.ids["author"]}, token=social.tokens["newcomer"])
    assert await social.captions("newcomer") == []
    assert await social.feed_rows("newcomer") == 0


async def test_deleted_post_leaves_every_feed(social: Social) -> None:
    for name in ("author", "reader"):
        await social.user(name)
    await social.follow("reader", "author")
    keep = await social.post("author", "keep")
    gone = await social.post("author", "gone")
    assert await social.captions("reader") == ["gone", "keep"]
    deleted = await social.gql(
        "mutation($id: ID!) { deletePost(id: $id) }",
        {"id": global_id.encode("Post", gone)},
        token=social.tokens["author"],
    )
    deleted.ok()
    assert await social.captions("reader") == ["keep"]  # at once, before any job ran
    await social.run_jobs()
    stored = await stored_entries(social.deps, [social.raw_id("reader"), social.raw_id("author")])
    assert stored == {social.raw_id("reader"): [keep], social.raw_id("author"): [keep]}


async def test_private_posts_reach_approved_followers_only(social: Social) -> None:
    for name in ("private", "asker", "public_fan"):
        await social.user(name)
    await social.gql(
        "mutation { updateProfile(input: {isPrivate: true}) { id } }",
        token=social.tokens["private"],
    )
    assert await social.follow("asker", "private") == "REQUESTED"
    await social.post("private", "secret")
    assert await social.captions("asker") == []
    await social.gql(
        "mutation($id: ID!) { approveFollowRequest(userId: $id) { id } }",
        {"id": social.ids["asker"]},
        token=social.tokens["private"],
    )
    assert await social.captions("asker") == ["secret"]
    grid = """query($u: String!) { user(username: $u) { posts { edges { node { caption } } } } }"""
    hidden = await social.gql(grid, {"u": "private"}, token=social.tokens["public_fan"])
    assert hidden.ok()["user"]["posts"]["edges"] == []
    shown = await social.gql(grid, {"u": "private"}, token=social.tokens["asker"])
    assert [e["node"]["caption"] for e in shown.ok()["user"]["posts"]["edges"]] == ["secret"]


async def test_profile_grid_pages_newest_first(social: Social) -> None:
    await social.user("grid")
    for i in range(5):
        await social.post("grid", f"p{i}")
    query = """query($after: String) { user(username: "grid") {
      postCount posts(first: 2, after: $after) {
        edges { node { caption } } pageInfo { hasNextPage endCursor } } } }"""
    seen: list[str] = []
    after = None
    while True:
        user = (await social.gql(query, {"after": after})).ok()["user"]
        seen += [e["node"]["caption"] for e in user["posts"]["edges"]]
        if not user["posts"]["pageInfo"]["hasNextPage"]:
            break
        after = user["posts"]["pageInfo"]["endCursor"]
    assert seen == ["p4", "p3", "p2", "p1", "p0"] and user["postCount"] == 5


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_pagination_is_stable_while_posts_arrive(
    social: Social, tune: Callable[..., None], seed: int
) -> None:
    rng = random.Random(seed)
    tune(celebrity_followers=2)
    await social.user("reader")
    authors = ["a_one", "a_two", "celeb"]
    for name in authors:
        await social.user(name)
        await social.follow("reader", name)
    await social.user("extra_fan")
    await social.follow("extra_fan", "celeb")  # 2 followers: merged at read
    existing = []
    for i in range(rng.randint(8, 14)):
        existing.append(f"old{i}")
        await social.post(rng.choice(authors), f"old{i}")
    seen: list[str] = []
    after = None
    while True:
        page = await social.feed("reader", first=rng.randint(1, 4), after=after)
        seen += [e["node"]["caption"] for e in page["edges"]]
        for j in range(rng.randint(0, 2)):  # new posts land between page reads
            await social.post(rng.choice(authors), f"new{len(seen)}-{j}")
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == list(reversed(existing))


async def test_feed_survives_a_flushed_cache(social: Social, tune: Callable[..., None]) -> None:
    tune(celebrity_followers=2)
    for name in ("reader", "normal", "celeb", "fan"):
        await social.user(name)
    await social.follow("reader", "normal")
    await social.follow("reader", "celeb")
    await social.follow("fan", "celeb")
    for i, author in enumerate(["normal", "celeb", "normal", "celeb"]):
        await social.post(author, f"{author}{i}")
    before = await social.captions("reader")
    assert before == ["celeb3", "normal2", "celeb1", "normal0"]
    await social.deps.redis.flushdb()
    assert await social.captions("reader") == before
    await social.post("normal", "after-flush")
    assert (await social.captions("reader"))[0] == "after-flush"


async def test_worker_killed_mid_fan_out_resumes_without_duplicates(
    social: Social, monkeypatch: pytest.MonkeyPatch
) -> None:
    await social.user("author")
    for i in range(7):
        await social.user(f"fol{i}")
        await social.follow(f"fol{i}", "author")
    monkeypatch.setattr(fanout, "FANOUT_BATCH", 2)
    deps = social.deps
    post_id = await deps.db.fetchval(
        "INSERT INTO posts (author_id, status) VALUES ($1, 'published') RETURNING id",
        social.raw_id("author"),
    )
    real_push = deps.feeds.push
    calls = 0

    async def dying_push(entries: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 4:  # author's own feed, two batches, then the worker dies
            raise ConnectionResetError("worker killed")
        await real_push(entries)

    monkeypatch.setattr(deps.feeds, "push", dying_push)
    # A lost connection is a dependency gone for now: the job asks arq to run it again.
    with pytest.raises(Retry):
        await fanout_post({"deps": deps}, post_id)
    everyone = [social.raw_id("author")] + [social.raw_id(f"fol{i}") for i in range(7)]
    reached = await stored_entries(deps, everyone)
    assert sum(len(ids) for ids in reached.values()) == 5
    monkeypatch.setattr(deps.feeds, "push", real_push)
    result = await fanout_post({"deps": deps}, post_id)
    assert result["followers_reached"] == 3  # resumed after the 4 already reached
    assert await stored_entries(deps, everyone) == {u: [post_id] for u in everyone}


@pytest.mark.parametrize("posts_per_author", [2, 6])
async def test_feed_page_round_trips_do_not_grow(
    social: Social,
    tune: Callable[..., None],
    round_trips: RoundTripMeter,
    posts_per_author: int,
    feed_store: str,
) -> None:
    tune(celebrity_followers=2)
    await social.user("reader")
    await social.user("fan")
    for name in ("norm1", "norm2", "celeb1", "celeb2", "celeb3"):
        await social.user(name)
        await social.follow("reader", name)
        if name.startswith("celeb"):
            await social.follow("fan", name)  # 2 followers each: celebrities
    for i in range(posts_per_author):
        for name in ("norm1", "norm2", "celeb1", "celeb2", "celeb3"):
            await social.post(name, f"{name}-{i}")
    await social.feed("reader")  # warm caches: feed cache, celebrity list, timelines
    async with round_trips() as cost:
        page = await social.feed("reader", first=20)
    assert len(page["edges"]) == min(20, 5 * posts_per_author)
    # DB: token, then the page's cards (posts, authors, follow states, media, counts and
    # likes in one statement). Redis: feed, celebrity list and celebrity timelines in one
    # script call on a single node; a cluster reads the timelines (on other slots) with a
    # second call, a pipeline.
    assert cost.db == 2
    assert cost.redis == (2 if feed_store == "postgres+cluster" else 1)


async def test_published_through_the_media_pipeline_reaches_followers(
    gql: GraphQLClient, run_jobs: RunJobs
) -> None:
    author, author_id = await gql.register("photog")
    reader, _ = await gql.register("viewer1")
    await gql(FOLLOW, {"id": author_id}, token=reader)
    media_id = await upload(gql, author, media_samples.jpeg(640, 480), "image/jpeg")
    (await create_post(gql, author, [media_id], caption="fresh")).ok()
    await run_jobs()  # process the photo, publish, fan out
    edges = (await gql(FEED, {"first": 5}, token=reader)).ok()["feed"]["edges"]
    assert [e["node"]["caption"] for e in edges] == ["fresh"]
    assert edges[0]["node"]["media"][0]["url"].endswith("/feed.webp")


async def test_feed_needs_a_viewer_and_sane_arguments(gql: GraphQLClient) -> None:
    assert (await gql(FEED)).codes == ["UNAUTHENTICATED"]
    token, _ = await gql.register("someone")
    assert (await gql(FEED, {"first": 51}, token=token)).codes == ["BAD_USER_INPUT"]
    assert (await gql(FEED, {"after": "nope"}, token=token)).codes == ["BAD_USER_INPUT"]
    empty = (await gql(FEED, token=token)).ok()["feed"]
    assert empty == {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}


async def test_pull_strategy_gives_the_same_feed(social: Social, tune: Callable[..., None]) -> None:
    tune(celebrity_followers=2)
    for name in ("reader", "normal", "celeb", "fan"):
        await social.user(name)
    for followee in ("normal", "celeb"):
        await social.follow("reader", followee)
    await social.follow("fan", "celeb")
    for i, author in enumerate(["normal", "celeb", "reader", "celeb"]):
        await social.post(author, f"{author}{i}")
    hybrid = await social.captions("reader")
    tune(celebrity_followers=2, feed_strategy="pull")
    assert await social.captions("reader") == hybrid == ["celeb3", "reader2", "celeb1", "normal0"]


async def test_fan_out_cost_grows_per_batch_not_per_follower(
    social: Social, monkeypatch: pytest.MonkeyPatch, round_trips: RoundTripMeter, feed_store: str
) -> None:
    monkeypatch.setattr(fanout, "FANOUT_BATCH", 10)
    deps = social.deps
    costs = []
    # The first run also loads the Lua scripts into Valkey: a warm-up, not measured.
    for author, followers in (("warm_up", 1), ("few_fans", 3), ("more_fans", 9), ("most_fans", 19)):
        await social.user(author)
        for i in range(followers):
            await social.user(f"{author}_{i}")
            await social.follow(f"{author}_{i}", author)
        post_id = await deps.db.fetchval(
            "INSERT INTO posts (author_id, status) VALUES ($1, 'published') RETURNING id",
            social.raw_id(author),
        )
        async with round_trips() as cost:
            await fanout_post({"deps": deps}, post_id)
        costs.append((cost.db, cost.redis))
    if feed_store == "postgres+cluster":
        # The caches' script runs once per slot among a batch's followers (each user's keys
        # have their own tag): PostgreSQL as on one node, Redis at most one call per follower.
        assert costs[1][0] == costs[2][0] and costs[3][0] - costs[2][0] == 2
        assert costs[2][1] - costs[1][1] <= 9 - 3
        assert costs[3][1] - costs[2][1] <= (19 - 9) + 2  # plus one batch's position, live
        return
    # 3 and 9 followers: one batch each, same cost; 19 followers: exactly one batch more.
    assert costs[1] == costs[2]
    batch = (costs[3][0] - costs[2][0], costs[3][1] - costs[2][1])
    # DB: followers, and the push when PostgreSQL keeps the feeds; Redis: caches, live
    # updates, position.
    assert batch == ((2, 3) if feed_store == "postgres" else (1, 3))
