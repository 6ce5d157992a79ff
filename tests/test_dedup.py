"""De-duplication: identical uploads share one rendition's objects, counted by the media that
use them, and the objects go only with their last user (deletes, failures, expiries,
tombstone sweeps, lost races)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from resolvers.deps import Deps
from schema import global_id
from storage import media, renditions
from storage.objects.base import original_key
from tests import media_samples
from tests.client import GraphQLClient, create_post, upload
from tests.story_helpers import share
from workers import renditions as worker
from workers.media import sweep_media_tombstones
from workers.stories import purge_expired_stories

RunJobs = Callable[[], Awaitable[int]]

PHOTO = media_samples.jpeg(800, 600)
POST = """query($id: ID!) { post(id: $id) { status failureReason
  media { id status width height filter variants { url } } } }"""
DELETE = "mutation($id: ID!) { deletePost(id: $id) }"


async def _publish(
    gql: GraphQLClient, token: str, *images: bytes, edits: list[dict[str, Any]] | None = None
) -> tuple[str, list[int]]:
    ids = [await upload(gql, token, data, "image/jpeg") for data in images]
    fields: dict[str, Any] = {}
    if edits:
        fields["edits"] = [
            {"mediaId": ids[e["index"]], **{k: v for k, v in e.items() if k != "index"}}
            for e in edits
        ]
    post_id = (await create_post(gql, token, ids, **fields)).ok()["createPost"]["id"]
    return post_id, [global_id.decode_as(i, "Media", field="id") for i in ids]


async def _urls(gql: GraphQLClient, post_id: str, token: str) -> list[str]:
    post = (await gql(POST, {"id": post_id}, token=token)).ok()["post"]
    assert post["status"] == "PUBLISHED", post
    return [v["url"] for m in post["media"] for v in m["variants"]]


async def _keys(deps: Deps) -> list[str]:
    return [k async for k in deps.objects.iter_keys("")]


async def _all_served(gql: GraphQLClient, urls: list[str]) -> bool:
    return all([(await gql.http.get(url)).status_code == 200 for url in urls])


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every photo the worker really processes (a dedup hit processes none)."""
    seen: list[Path] = []
    real = worker.process_image  # type: ignore[attr-defined]

    def spy(path: Path, **options: Any) -> Any:
        seen.append(path)
        return real(path, **options)

    monkeypatch.setattr(worker, "process_image", spy)
    return seen


async def test_identical_uploads_share_one_rendition(
    gql: GraphQLClient, run_jobs: RunJobs, deps: Deps, renders: list[Path]
) -> None:
    alice, _ = await gql.register("alice")
    bob, _ = await gql.register("bob")
    first, [a] = await _publish(gql, alice, PHOTO)
    await run_jobs()
    keys = await _keys(deps)
    assert len(keys) == 5 and original_key(a) in keys  # the original and 4 variants
    second, [b] = await _publish(gql, bob, PHOTO)
    await run_jobs()

    assert len(renders) == 1  # the second upload was not processed again
    assert await _urls(gql, second, bob) == await _urls(gql, first, alice)
    assert await _keys(deps) == keys  # nothing new stored; bob's own original was dropped
    assert await deps.db.fetchval("SELECT ref_count FROM media_renditions") == 2
    # A tombstone sweeps bob's original key again once its upload URL has expired.
    assert await deps.db.fetchval("SELECT media_id FROM media_tombstones") == b


async def test_the_same_bytes_with_other_edits_are_another_rendition(
    gql: GraphQLClient, run_jobs: RunJobs, deps: Deps
) -> None:
    token, _ = await gql.register("editor")
    await _publish(gql, token, PHOTO)
    await _publish(gql, token, PHOTO, edits=[{"index": 0, "filter": "MOON"}])
    await _publish(gql, token, PHOTO, edits=[{"index": 0, "filter": "MOON"}])
    await run_jobs()
    counts = await deps.db.fetch("SELECT edit, ref_count FROM media_renditions ORDER BY edit")
    assert [(r["edit"], r["ref_count"]) for r in counts] == [("moon", 2), ("none", 1)]


@pytest.mark.parametrize("first_deleted", ["source", "copy"])
async def test_variants_stay_until_their_last_post_is_deleted(
    gql: GraphQLClient, run_jobs: RunJobs, deps: Deps, first_deleted: str
) -> None:
    alice, _ = await gql.register("alice")
    bob, _ = await gql.register("bob")
    source, _ = await _publish(gql, alice, PHOTO, media_samples.jpeg(300, 300))
    await run_jobs()  # first: alice's media is the source
    copy, _ = await _publish(gql, bob, PHOTO)
    await run_jobs()
    shared = (await _urls(gql, copy, bob))[:4]
    posts = {"source": (source, alice), "copy": (copy, bob)}
    gone, goner = posts.pop(first_deleted)
    [(kept, keeper)] = posts.values()

    assert (await gql(DELETE, {"id": gone}, token=goner)).ok()["deletePost"]
    await run_jobs()
    assert await _all_served(gql, shared)
    assert (await _urls(gql, kept, keeper))[:4] == shared
    refs = "SELECT ref_count FROM media_renditions WHERE width = 800"
    assert await deps.db.fetchval(refs) == 1

    assert (await gql(DELETE, {"id": kept}, token=keeper)).ok()["deletePost"]
    await run_jobs()
    assert await _keys(deps) == []
    assert await deps.db.fetchval("SELECT count(*) FROM media_renditions") == 0
    assert await deps.db.fetchval("SELECT count(*) FROM media") == 0


async def test_a_failed_post_leaves_shared_variants_alone(
    gql: GraphQLClient, run_jobs: RunJobs, deps: Deps
) -> None:
    alice, _ = await gql.register("alice")
    bob, _ = await gql.register("bob")
    kept, _ = await _publish(gql, alice, PHOTO)
    await run_jobs()
    shared = await _urls(gql, kept, alice)
    # Bob's carousel: the same photo (shared at once), then bytes that are no image.
    doomed, _ = await _publish(gql, bob, PHOTO, b"\xff\xd8 not really a jpeg")
    await run_jobs()
    post = (await gql(POST, {"id": doomed}, token=bob)).ok()["post"]
    assert post["status"] == "FAILED"
    assert await _all_served(gql, shared)
    assert await deps.db.fetchval("SELECT ref_count FROM media_renditions") == 1


async def test_owner_scope_shares_within_an_account_only(
    gql: GraphQLClient, run_jobs: RunJobs, deps: Deps, tune: Callable[..., None]
) -> None:
    tune(media_dedup="owner")
    alice, _ = await gql.register("alice")
    bob, _ = await gql.register("bob")
    await _publish(gql, alice, PHOTO)
    await _publish(gql, bob, PHOTO)
    await _publish(gql, alice, PHOTO)
    await run_jobs()
    counts = await deps.db.fetch("SELECT ref_count FROM media_renditions ORDER BY ref_count")
    assert [r["ref_count"] for r in counts] == [1, 2]


async def test_off_shares_nothing(
    gql: GraphQLClient, run_jobs: RunJobs, deps: Deps, tune: Callable[..., None]
) -> None:
    tune(media_dedup="off")
    token, _ = await gql.register("alice")
    await _publish(gql, token, PHOTO)
    await _publish(gql, token, PHOTO)
    await run_jobs()
    assert await deps.db.fetchval("SELECT count(*) FROM media_renditions") == 2
    assert len(await _keys(deps)) == 10


async def test_twins_processed_at_once_end_up_sharing(
    gql: GraphQLClient, deps: Deps, run_jobs: RunJobs
) -> None:
    """Both miss, both render; the second to register uses the first's rendition, and what
    it wrote goes."""
    token, _ = await gql.register("twins")
    ids = [await upload(gql, token, PHOTO, "image/jpeg") for _ in range(2)]
    for media_id in ids:
        (await create_post(gql, token, [media_id])).ok()
    rows = await media.by_ids(deps.db, [global_id.decode_as(i, "Media", field="id") for i in ids])
    digest = worker.sha256_of(deps.settings.media_root / original_key(rows[0].id))
    rendered = []
    for row in rows:
        local = Path(deps.settings.media_root / original_key(row.id))
        rendered.append(await worker._render(deps, row, local, local.parent, len(PHOTO)))
    for row, rendition in zip(rows, rendered, strict=True):
        key = worker.rendition_key(deps.settings, row, digest)
        await worker._register(deps, row, key, rendition)

    first, second = await media.by_ids(deps.db, [r.id for r in rows])
    assert first.variants == second.variants
    assert await deps.db.fetchval("SELECT ref_count FROM media_renditions") == 2
    keys = await _keys(deps)
    assert not [k for k in keys if str(second.id) in k]  # the loser's variants and original
    assert len(keys) == 5
    await run_jobs()  # the posts' own jobs find their media READY


async def test_tombstone_sweeps_keep_what_a_live_rendition_holds(
    gql: GraphQLClient, run_jobs: RunJobs, deps: Deps
) -> None:
    alice, _ = await gql.register("alice")
    bob, _ = await gql.register("bob")
    source, [a] = await _publish(gql, alice, PHOTO)
    await run_jobs()
    copy, [b] = await _publish(gql, bob, PHOTO)
    await run_jobs()
    shared = await _urls(gql, copy, bob)
    await gql(DELETE, {"id": source}, token=alice)
    await run_jobs()
    # Both tombstones fall due: alice's deleted media (the source) and bob's dropped original.
    assert {
        r["media_id"] for r in await deps.db.fetch("SELECT media_id FROM media_tombstones")
    } == {a, b}
    await deps.db.execute("UPDATE media_tombstones SET sweep_after = now() - interval '1 second'")
    assert await sweep_media_tombstones({"deps": deps}) == 2
    assert await _all_served(gql, shared)
    assert original_key(a) in await _keys(deps)  # the rendition keeps the source's original


async def test_the_sweep_finishes_renditions_whose_releaser_died(
    gql: GraphQLClient, run_jobs: RunJobs, deps: Deps
) -> None:
    token, _ = await gql.register("crasher")
    await _publish(gql, token, PHOTO)
    await run_jobs()
    # As a delete job crashing after the rows went but before any object did.
    await deps.db.execute("DELETE FROM posts")
    assert await deps.db.fetchval("SELECT state FROM media_renditions") == "dead"
    assert len(await _keys(deps)) == 5
    await deps.db.execute("UPDATE media_renditions SET dead_since = now() - interval '1 hour'")
    await sweep_media_tombstones({"deps": deps})
    assert await _keys(deps) == []
    assert await deps.db.fetchval("SELECT count(*) FROM media_renditions") == 0


async def test_an_expired_story_leaves_a_posts_shared_photo(
    gql: GraphQLClient, run_jobs: RunJobs, deps: Deps
) -> None:
    token, _ = await gql.register("storyteller")
    post_id, _ = await _publish(gql, token, PHOTO)
    await share(gql, token, PHOTO)
    await run_jobs()
    assert await deps.db.fetchval("SELECT ref_count FROM media_renditions") == 2
    await deps.db.execute(
        "UPDATE stories SET created_at = now() - interval '25 hours',"
        " expires_at = now() - interval '1 hour'"
    )
    assert await purge_expired_stories({"deps": deps}) == 1
    assert await _all_served(gql, await _urls(gql, post_id, token))
    assert await deps.db.fetchval("SELECT ref_count FROM media_renditions") == 1


async def test_concurrent_jobs_for_twins_never_lose_an_object(
    gql: GraphQLClient, deps: Deps, run_jobs: RunJobs
) -> None:
    token, _ = await gql.register("racer")
    ids = [await upload(gql, token, PHOTO, "image/jpeg") for _ in range(3)]
    for media_id in ids:
        (await create_post(gql, token, [media_id])).ok()
    rows = await media.by_ids(deps.db, [global_id.decode_as(i, "Media", field="id") for i in ids])
    await asyncio.gather(*(worker.process_media(deps, row) for row in rows))
    done = await media.by_ids(deps.db, [r.id for r in rows])
    assert all(r.variants == done[0].variants for r in done)
    assert await renditions.live_sources(deps.db, [r.id for r in rows])
    for variant in done[0].variants:
        assert await deps.objects.head(variant.key) is not None
    await run_jobs()
