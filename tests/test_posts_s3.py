"""The same pipeline on the S3 backend, against moto's S3 server over real HTTP."""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from resolvers.deps import Deps, open_objects
from server.app import create_app
from storage.settings import Settings
from tests import media_samples
from tests.client import GraphQLClient, create_post, upload
from workers.settings import create_worker


@dataclasses.dataclass
class S3Stack:
    gql: GraphQLClient
    deps: Deps
    settings: Settings


@pytest.fixture
async def s3(settings: Settings, deps: Deps, s3_endpoint: str) -> AsyncIterator[S3Stack]:
    s3_settings = settings.replace(
        media_backend="s3",
        s3_endpoint_url=s3_endpoint,
        s3_bucket="snapfeed-e2e",
        s3_access_key_id="testing",
        s3_secret_access_key="testing",
    )
    store = await open_objects(s3_settings)
    client = store._client  # type: ignore[attr-defined]
    await client.create_bucket(Bucket="snapfeed-e2e")
    public_variants = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::snapfeed-e2e/media/*",
            }
        ],
    }
    await client.put_bucket_policy(Bucket="snapfeed-e2e", Policy=json.dumps(public_variants))
    s3_deps = dataclasses.replace(deps, settings=s3_settings, objects=store)
    transport = httpx.ASGITransport(app=create_app(s3_settings, s3_deps))
    async with httpx.AsyncClient(transport=transport, base_url="http://snapfeed.test") as client:
        yield S3Stack(GraphQLClient(client), s3_deps, s3_settings)
    await store.close()


async def test_s3_upload_process_and_serve(s3: S3Stack) -> None:
    gql = s3.gql
    token, _ = await gql.register("cloudy")
    async with httpx.AsyncClient() as internet:  # presigned URLs point at the S3 endpoint
        media_id = await upload(
            gql, token, media_samples.jpeg(1200, 900, gps=True), "image/jpeg", http=internet
        )
        post_id = (await create_post(gql, token, [media_id])).ok()["createPost"]["id"]

        worker = create_worker(s3.settings, deps=s3.deps, burst=True, poll_delay=0.01, cron_jobs=[])
        try:
            await worker.async_run()
        finally:
            await worker.close()
        assert worker.jobs_complete == 2  # processing, then fan-out

        result = await gql(
            """query($id: ID!) { post(id: $id) { status media { id
                 variants { size url width height contentType } } } }""",
            {"id": post_id},
            token=token,
        )
        post = result.ok()["post"]
        assert post["status"] == "PUBLISHED"
        [item] = post["media"]
        raw_id, secret = await s3.deps.db.fetchrow("SELECT id, key_secret FROM media")
        for variant in item["variants"]:
            key = f"media/{raw_id}/{secret}/{variant['size'].lower()}.webp"
            assert variant["url"] == f"{s3.settings.s3_endpoint_url}/snapfeed-e2e/{key}"
            response = await internet.get(variant["url"])
            assert response.status_code == 200
            assert response.headers["content-type"] == "image/webp"
            assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
            image = Image.open(io.BytesIO(response.content))
            assert image.size == (variant["width"], variant["height"])
            assert not image.getexif()
    keys = [k async for k in s3.deps.objects.iter_keys("")]
    sizes = ("feed", "full", "small", "thumbnail")
    variants = [f"media/{raw_id}/{secret}/{s}.webp" for s in sizes]
    assert keys == sorted([f"originals/{raw_id}", *variants])


async def test_s3_presigned_url_binds_type_and_length(s3: S3Stack) -> None:
    token, _ = await s3.gql.register("signer")
    result = await s3.gql(
        """mutation { createUpload(input: {contentType: "image/png", byteSize: 1234}) {
             uploadUrl uploadHeaders { name value } } }""",
        token=token,
    )
    ticket = result.ok()["createUpload"]
    signed = httpx.URL(ticket["uploadUrl"]).params["X-Amz-SignedHeaders"].split(";")
    assert "content-length" in signed and "content-type" in signed
    assert {"name": "Content-Type", "value": "image/png"} in ticket["uploadHeaders"]


async def _keys_of(deps: Deps, media_id: int) -> list[str]:
    """The bucket is shared with the other tests of this module: only this media's keys."""
    keys = [k async for k in deps.objects.iter_keys(f"media/{media_id}/")]
    return keys + [k async for k in deps.objects.iter_keys(f"originals/{media_id}")]


async def _run_worker(s3: S3Stack) -> int:
    worker = create_worker(s3.settings, deps=s3.deps, burst=True, poll_delay=0.01, cron_jobs=[])
    try:
        await worker.async_run()
    finally:
        await worker.close()
    return int(worker.jobs_complete)


async def test_s3_upload_url_cannot_replace_nor_outlive_the_original(
    s3: S3Stack, tmp_path: Path
) -> None:
    """Both attacks on a reused presigned URL: overwrite after publishing, and re-create
    after deletePost (S3 cannot revoke the URL; a second sweep after it expires removes it).
    """
    from workers.media import sweep_media_tombstones

    gql, deps = s3.gql, s3.deps
    token, _ = await gql.register("reuser")
    photo = media_samples.jpeg(300, 200)
    ticket = (
        await gql(
            """mutation($n: Int!) { createUpload(input: {contentType: "image/jpeg", byteSize: $n})
                 { media { id } uploadUrl uploadHeaders { name value } } }""",
            {"n": len(photo)},
            token=token,
        )
    ).ok()["createUpload"]
    headers = {h["name"]: h["value"] for h in ticket["uploadHeaders"]}
    assert headers["If-None-Match"] == "*"
    raw_id = int(await deps.db.fetchval("SELECT id FROM media"))
    async with httpx.AsyncClient() as internet:
        assert (await internet.put(ticket["uploadUrl"], content=photo, headers=headers)).is_success
        post_id = (await create_post(gql, token, [ticket["media"]["id"]])).ok()["createPost"]["id"]
        assert await _run_worker(s3) == 2

        swap = media_samples.jpeg(300, 200, color=(0, 0, 0))
        overwrite = await internet.put(ticket["uploadUrl"], content=swap, headers=headers)
        assert overwrite.status_code == 412
        original = f"originals/{raw_id}"
        await deps.objects.download(original, tmp_path / "original")
        assert (tmp_path / "original").read_bytes() == photo
        deleted = await gql(
            "mutation($id: ID!) { deletePost(id: $id) }", {"id": post_id}, token=token
        )
        assert deleted.ok() == {"deletePost": True}
        await _run_worker(s3)
        assert await _keys_of(deps, raw_id) == []
        # The URL is still valid, and nothing but a signature check could refuse it.
        revived = await internet.put(ticket["uploadUrl"], content=swap, headers=headers)
        assert revived.is_success
    assert await deps.objects.head(original) is not None
    ctx = {"deps": deps}
    assert await sweep_media_tombstones(ctx) == 0  # not before the URL has expired
    await deps.db.execute("UPDATE media_tombstones SET sweep_after = now() - interval '1 second'")
    assert await sweep_media_tombstones(ctx) == 1
    assert await _keys_of(deps, raw_id) == []
    assert await deps.db.fetchval("SELECT count(*) FROM media_tombstones") == 0
