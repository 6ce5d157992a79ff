"""`snapfeed storage retier-originals`: originals processed under one SNAPFEED_ORIGINALS move
when the policy changes, on local disk and on S3 (moto), in batches, idempotently."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from resolvers.deps import Deps
from server import cli
from storage.objects.base import ObjectStore, original_key
from tests import media_samples
from tests.client import GraphQLClient, create_post, upload
from tests.test_posts_s3 import S3Stack, s3  # noqa: F401 -- the S3 pipeline fixture
from workers.originals import STATES, Retiered, retier_originals
from workers.renditions import ORIGINALS
from workers.settings import create_worker

RunJobs = Callable[[], Awaitable[int]]

MEDIA = "query($id: ID!) { post(id: $id) { status media { variants { url } } } }"


async def _publish(
    gql: GraphQLClient, name: str, shade: int, *, http: httpx.AsyncClient | None = None
) -> str:
    """A post of its own photo (another shade: uploads of the same bytes share one original)."""
    token, _ = await gql.register(name)
    kwargs: dict[str, Any] = {} if http is None else {"http": http}
    data = media_samples.jpeg(320, 240, color=(shade, 80, 40))
    media_id = await upload(gql, token, data, "image/jpeg", **kwargs)
    post_id: str = (await create_post(gql, token, [media_id])).ok()["createPost"]["id"]
    return post_id


async def _sources(deps: Deps) -> dict[int, str]:
    rows = await deps.db.fetch("SELECT source_media_id, original_state FROM media_renditions")
    return {r["source_media_id"]: r["original_state"] for r in rows}


async def _classes(objects: ObjectStore, media_ids: list[int]) -> list[str | None]:
    """Each original's storage class: 'hot', the class, or None when gone."""
    found = []
    for media_id in media_ids:
        info = await objects.head(original_key(media_id))
        found.append(None if info is None else info.storage_class or "hot")
    return found


async def _served(gql: GraphQLClient, post_id: str) -> bool:
    """The post is still PUBLISHED and its variants still download (originals only moved)."""
    post = (await gql(MEDIA, {"id": post_id})).ok()["post"]
    urls = [v["url"] for m in post["media"] for v in m["variants"]]
    codes = [(await gql.http.get(url)).status_code for url in urls]
    return post["status"] == "PUBLISHED" and len(codes) == 4 and set(codes) == {200}


async def test_retier_on_local_disk(gql: GraphQLClient, run_jobs: RunJobs, deps: Deps) -> None:
    posts = [await _publish(gql, f"keeper{i}", 60 * i) for i in range(3)]
    await run_jobs()
    sources = sorted(await _sources(deps))
    assert await _sources(deps) == dict.fromkeys(sources, "kept")

    async def retier(policy: str) -> Retiered:
        settings = deps.settings.replace(originals=policy)
        return await retier_originals(deps.db, deps.objects, settings, batch=2)  # 2 batches

    cold = await retier("cold")
    assert (cold.changed, cold.missing, cold.refused) == (3, 0, [])
    assert await _sources(deps) == dict.fromkeys(sources, "cold")
    assert await _classes(deps.objects, sources) == ["COLD"] * 3
    for media_id in sources:
        assert (deps.settings.media_root / ".cold" / original_key(media_id)).is_file()
    assert (await retier("cold")).changed == 0  # idempotent

    kept = await retier("keep")
    assert kept.changed == 3
    assert await _classes(deps.objects, sources) == ["hot"] * 3
    assert not (deps.settings.media_root / ".cold" / original_key(sources[0])).exists()

    # An original gone under a live rendition (its release under way): counted, left alone.
    await deps.objects.delete([original_key(sources[0])])
    cold = await retier("cold")
    assert (cold.changed, cold.missing) == (2, 1)
    assert (await _sources(deps))[sources[0]] == "kept"

    deleted = await retier("delete")
    assert deleted.changed == 3
    assert await _sources(deps) == dict.fromkeys(sources, "deleted")
    assert await _classes(deps.objects, sources) == [None] * 3
    tombstoned = await deps.db.fetch("SELECT media_id FROM media_tombstones")
    assert sorted(r["media_id"] for r in tombstoned) == sources
    assert (await retier("keep")).changed == 0  # a deleted original cannot come back
    for post_id in posts:
        assert await _served(gql, post_id)


async def test_retier_originals_command(
    gql: GraphQLClient, run_jobs: RunJobs, deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    post_id = await _publish(gql, "commander", 0)
    await run_jobs()
    [source] = await _sources(deps)
    settings = deps.settings
    assert settings.database_url and settings.secret_key
    for name, value in {
        "DATABASE_URL": settings.database_url,
        "MEDIA_DIR": str(settings.media_root),
        "SECRET_KEY": settings.secret_key,
        "ORIGINALS": "cold",
        "LOG_FORMAT": "text",
    }.items():
        monkeypatch.setenv(f"SNAPFEED_{name}", value)

    assert await asyncio.to_thread(cli.main, ["storage", "retier-originals"]) == 0
    assert await _classes(deps.objects, [source]) == ["COLD"]
    assert await _sources(deps) == {source: "cold"}
    assert await asyncio.to_thread(cli.main, ["storage", "retier-originals"]) == 0  # again
    monkeypatch.setenv("SNAPFEED_ORIGINALS", "sideways")
    assert await asyncio.to_thread(cli.main, ["storage", "retier-originals"]) == 2
    monkeypatch.setenv("SNAPFEED_ORIGINALS", "keep")
    argv = ["storage", "retier-originals", "--batch-size", "0"]
    assert await asyncio.to_thread(cli.main, argv) == 2
    assert await _sources(deps) == {source: "cold"}
    assert await asyncio.to_thread(cli.main, ["storage", "retier-originals"]) == 0
    assert await _classes(deps.objects, [source]) == ["hot"]
    assert await _served(gql, post_id)


async def test_retier_on_s3(s3: S3Stack) -> None:  # noqa: F811
    async with httpx.AsyncClient() as internet:
        posts = [await _publish(s3.gql, f"s3keeper{i}", 100 + i, http=internet) for i in range(2)]
    worker = create_worker(s3.settings, deps=s3.deps, burst=True, poll_delay=0.01, cron_jobs=[])
    try:
        await worker.async_run()
    finally:
        await worker.close()
    sources = sorted(await _sources(s3.deps))
    assert len(sources) == 2
    objects = s3.deps.objects

    async def retier(policy: str) -> Retiered:
        settings = s3.settings.replace(originals=policy)
        return await retier_originals(s3.deps.db, objects, settings, batch=1)

    try:
        assert (await retier("cold")).changed == 2
        assert await _classes(objects, sources) == ["GLACIER_IR"] * 2
        assert (await retier("cold")).changed == 0
        assert (await retier("keep")).changed == 2
        assert [c in ("hot", "STANDARD") for c in await _classes(objects, sources)] == [True] * 2
        assert (await retier("delete")).changed == 2
        assert await _classes(objects, sources) == [None] * 2
        assert await _sources(s3.deps) == dict.fromkeys(sources, "deleted")
        for post_id in posts:
            post = (await s3.gql(MEDIA, {"id": post_id})).ok()["post"]
            assert post["status"] == "PUBLISHED" and len(post["media"][0]["variants"]) == 4
    finally:
        # The bucket is shared with the other tests using this fixture.
        for media_id in sources:
            await objects.delete([original_key(media_id)])
            await objects.delete_prefix(f"media/{media_id}/")


def test_policy_states_cover_every_policy() -> None:
    assert set(STATES) == set(ORIGINALS)
