"""Stories against a clock the tests move: expiry on every read path, clean-up, tray order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator

import pytest

from resolvers.deps import Deps
from schema import global_id
from storage.objects.base import original_key
from tests import media_samples
from tests.client import GraphQLClient
from tests.round_trips import RoundTripMeter
from tests.story_helpers import FOLLOW, MARK_SEEN, NODE, FakeClock, reels, share, tray_of
from workers.settings import cron_jobs
from workers.stories import purge_expired_stories, reconcile_stuck_stories

RunJobs = Callable[[], Awaitable[int]]


@pytest.fixture
def clock(deps: Deps) -> Iterator[FakeClock]:
    original = deps.clock
    deps.clock = fake = FakeClock()
    yield fake
    deps.clock = original


async def _objects(deps: Deps, media_global_id: str) -> list[str]:
    decoded = global_id.decode(media_global_id)
    assert decoded is not None
    media_id = decoded[1]
    keys = [k async for k in deps.objects.iter_keys(f"media/{media_id}/")]
    if await deps.objects.head(original_key(media_id)) is not None:
        keys.append(original_key(media_id))
    return keys


async def test_expired_story_is_gone_everywhere_then_cleaned_up(
    gql: GraphQLClient, run_jobs: RunJobs, deps: Deps, clock: FakeClock
) -> None:
    alice, alice_id = await gql.register("alice")
    bob, _ = await gql.register("bob")
    await gql(FOLLOW, {"id": alice_id}, token=bob)
    old = await share(gql, alice)
    clock.advance(hours=12)
    # Another photo: identical bytes would share the old story's objects (de-duplication).
    young = await share(gql, alice, media_samples.jpeg(48, 32, color=(20, 160, 90)))
    await run_jobs()
    (await gql(MARK_SEEN, {"s": old["id"]}, token=bob)).ok()

    clock.advance(hours=12, seconds=-1)  # the old story's last second
    assert await tray_of(gql, bob) == [("alice", [old["id"], young["id"]])]
    clock.advance(seconds=2)  # 24 h + 1 s after the old story
    for token in (alice, bob):
        assert await tray_of(gql, token) == [("alice", [young["id"]])]
        assert (await gql(NODE, {"id": old["id"]}, token=token)).ok()["node"] is None
        assert (await gql(MARK_SEEN, {"s": old["id"]}, token=token)).codes == ["NOT_FOUND"]
    assert len(await _objects(deps, old["media"]["id"])) == 5  # original + 4 variants

    assert "cron:purge_expired_stories" in [c.name for c in cron_jobs(deps.settings)]
    assert await purge_expired_stories({"deps": deps}) == 1
    assert await _objects(deps, old["media"]["id"]) == []
    assert await deps.db.fetchval("SELECT count(*) FROM story_views") == 0
    [(remaining,)] = await deps.db.fetch("SELECT id FROM stories")
    assert global_id.encode("Story", remaining) == young["id"]
    assert await deps.db.fetchval("SELECT count(*) FROM media") == 1
    # The live story kept everything it needs.
    assert len(await _objects(deps, young["media"]["id"])) == 5
    assert (await gql(NODE, {"id": young["id"]}, token=bob)).ok()["node"]["media"]["url"]
    assert await purge_expired_stories({"deps": deps}) == 0


async def test_tray_puts_own_reel_first_then_unseen_then_most_recent(
    gql: GraphQLClient, run_jobs: RunJobs, clock: FakeClock
) -> None:
    viewer, _ = await gql.register("viewer")
    tokens: dict[str, str] = {}
    for name in ("bea", "cal", "dot", "eve"):
        tokens[name], user_id = await gql.register(name)
        if name != "eve":  # not followed: never in the viewer's tray
            (await gql(FOLLOW, {"id": user_id}, token=viewer)).ok()

    stories: dict[str, list[str]] = {}
    for name in ("viewer", "bea", "cal", "dot", "bea", "eve"):
        clock.advance(minutes=1)
        story = await share(gql, tokens.get(name, viewer))
        stories.setdefault(name, []).append(story["id"])
    await run_jobs()

    async def tray() -> list[tuple[str, bool]]:
        return [(r["author"]["username"], r["hasUnseen"]) for r in await reels(gql, viewer)]

    # Own reel first even though its story is the oldest; then newest story first.
    assert await tray_of(gql, viewer) == [
        ("viewer", stories["viewer"]),
        ("bea", stories["bea"]),  # oldest first within the reel
        ("dot", stories["dot"]),
        ("cal", stories["cal"]),
    ]
    for story_id in stories["bea"]:
        (await gql(MARK_SEEN, {"s": story_id}, token=viewer)).ok()
    assert await tray() == [("viewer", True), ("dot", True), ("cal", True), ("bea", False)]
    (await gql(MARK_SEEN, {"s": stories["dot"][0]}, token=viewer)).ok()
    (await gql(MARK_SEEN, {"s": stories["viewer"][0]}, token=viewer)).ok()
    assert await tray() == [("viewer", False), ("cal", True), ("bea", False), ("dot", False)]


async def test_story_whose_job_was_lost_is_queued_again(
    gql: GraphQLClient, run_jobs: RunJobs, deps: Deps, clock: FakeClock
) -> None:
    token, _ = await gql.register("unlucky")
    story = await share(gql, token)
    await deps.redis.flushdb()  # the queued job is lost
    assert await reconcile_stuck_stories({"deps": deps}) == 0  # not stuck yet: just created
    clock.advance(seconds=deps.settings.stuck_processing_seconds + 1)
    assert await reconcile_stuck_stories({"deps": deps}) == 1
    assert await reconcile_stuck_stories({"deps": deps}) == 0  # already queued: not doubled
    assert await run_jobs() == 1
    node = (await gql(NODE, {"id": story["id"]}, token=token)).ok()["node"]
    assert node["media"]["status"] == "READY"
    assert await reconcile_stuck_stories({"deps": deps}) == 0


TRAY = """{ storyReels {
  hasUnseen
  author { id username viewerFollowStatus followerCount }
  stories { id createdAt expiresAt viewerHasSeen
    author { username }
    media { id status url width height variants { size url } } }
} }"""


@pytest.mark.parametrize(("authors", "per_author"), [(1, 1), (4, 3)])
async def test_tray_costs_the_same_for_any_number_of_authors_and_stories(
    gql: GraphQLClient,
    run_jobs: RunJobs,
    round_trips: RoundTripMeter,
    authors: int,
    per_author: int,
) -> None:
    viewer, _ = await gql.register("viewer")
    await share(gql, viewer)
    for i in range(authors):
        token, user_id = await gql.register(f"author{i}")
        (await gql(FOLLOW, {"id": user_id}, token=viewer)).ok()
        for _ in range(per_author):
            await share(gql, token)
    await run_jobs()
    first_story = (await reels(gql, viewer))[1]["stories"][0]["id"]
    (await gql(MARK_SEEN, {"s": first_story}, token=viewer)).ok()

    async with round_trips() as cost:
        tray = (await gql(TRAY, token=viewer)).ok()["storyReels"]
    assert len(tray) == authors + 1
    assert sum(len(r["stories"]) for r in tray) == 1 + authors * per_author
    # token check, the tray (stories, media and seen marks in one query), the authors,
    # the viewer's follow states towards them
    assert cost.db == 4
