"""The S3 backend against moto's S3 server (the `s3_endpoint` fixture), over real HTTP."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from storage.objects.base import IMMUTABLE_CACHE_CONTROL, ObjectInfo, ObjectStore
from storage.objects.local import LocalObjectStore
from storage.objects.open import open_object_store
from storage.objects.s3 import S3ObjectStore

REGION = "us-east-1"
# moto accepts any credentials; passed explicitly so nothing depends on the environment.
ACCESS_KEY = "testing-access-key"
SECRET_KEY = "testing-secret-key"


def _names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


@pytest.fixture
async def store(s3_endpoint: str) -> AsyncIterator[S3ObjectStore]:
    """A store over a fresh bucket; small batches so pagination and batching are exercised."""
    opened = await S3ObjectStore(
        bucket=f"test-{uuid.uuid4().hex[:12]}",
        region=REGION,
        endpoint_url=s3_endpoint,
        access_key_id=ACCESS_KEY,
        secret_access_key=SECRET_KEY,
        batch_size=7,
    ).open()
    try:
        await opened._client.create_bucket(Bucket=opened.bucket)
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False) as client:
        yield client


async def test_presigned_upload_over_http(store: S3ObjectStore, http: httpx.AsyncClient) -> None:
    body = b"\xff\xd8 jpeg bytes"
    target = await store.presign_upload(
        "originals/1", content_type="image/jpeg", byte_size=len(body), expires_in=300
    )
    assert target.headers == {"Content-Type": "image/jpeg", "If-None-Match": "*"}
    query = parse_qs(urlsplit(target.url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["300"]
    signed = query["X-Amz-SignedHeaders"][0].split(";")
    # If-None-Match signed: real S3 refuses the PUT without it, and with it refuses a second.
    assert {"content-length", "content-type", "host", "if-none-match"} <= set(signed)
    # Path style against a custom endpoint.
    assert target.url.startswith(f"{store.endpoint_url}/{store.bucket}/originals/1?")

    response = await http.put(target.url, content=body, headers=target.headers)
    assert response.status_code == 200, response.text
    assert await store.head("originals/1") == ObjectInfo(size=len(body), content_type="image/jpeg")
    # Single use: the same URL cannot overwrite what it uploaded.
    again = await http.put(target.url, content=body[::-1], headers=target.headers)
    assert again.status_code == 412
    assert await store.head("originals/1") == ObjectInfo(size=len(body), content_type="image/jpeg")


async def test_put_sets_content_type_and_cache_control(
    store: S3ObjectStore, http: httpx.AsyncClient
) -> None:
    # What a deployment needs: anonymous reads of variants only (originals may carry GPS).
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{store.bucket}/media/*",
            }
        ],
    }
    await store._client.put_bucket_policy(Bucket=store.bucket, Policy=json.dumps(policy))
    key = "media/1/thumb.webp"
    await store.put(key, b"webp", content_type="image/webp", cache_control=IMMUTABLE_CACHE_CONTROL)
    assert await store.head(key) == ObjectInfo(size=4, content_type="image/webp")

    response = await http.get(store.public_url(key))
    assert response.status_code == 200
    assert response.content == b"webp"
    assert response.headers["content-type"] == "image/webp"
    assert response.headers["cache-control"] == IMMUTABLE_CACHE_CONTROL

    await store.put("originals/1", b"jpeg", content_type="image/jpeg")
    private = await http.get(f"{store.endpoint_url}/{store.bucket}/originals/1")
    assert private.status_code == 403


async def test_put_file_and_download(store: S3ObjectStore, tmp_path: Path) -> None:
    source = tmp_path / "video.mp4"
    # Above aioboto3's 8 MiB threshold: a multipart upload, and a multi-chunk download.
    source.write_bytes(bytes(range(256)) * (9 * 1024 * 1024 // 256 + 3))
    key = "media/2/video.mp4"
    await store.put_file(
        key, source, content_type="video/mp4", cache_control=IMMUTABLE_CACHE_CONTROL
    )
    raw = await store._client.head_object(Bucket=store.bucket, Key=key)
    assert raw["ContentType"] == "video/mp4"
    assert raw["CacheControl"] == IMMUTABLE_CACHE_CONTROL
    assert raw["ContentLength"] == source.stat().st_size

    small = tmp_path / "original.heic"
    small.write_bytes(b"heic")
    await store.put_file("originals/2", small, content_type="image/heic")
    raw = await store._client.head_object(Bucket=store.bucket, Key="originals/2")
    assert raw["ContentType"] == "image/heic"
    assert "CacheControl" not in raw

    target = tmp_path / "downloads" / "copy.mp4"
    await store.download(key, target)
    assert target.read_bytes() == source.read_bytes()
    await store.download("originals/2", target)
    assert target.read_bytes() == b"heic"
    assert _names(target.parent) == ["copy.mp4"]  # no temp files


async def test_missing_objects(store: S3ObjectStore, tmp_path: Path) -> None:
    assert await store.head("originals/404") is None
    target = tmp_path / "never.bin"
    with pytest.raises(FileNotFoundError):
        await store.download("originals/404", target)
    assert not target.exists()
    assert _names(tmp_path) == []
    await store.delete(["originals/404"])  # missing keys are ignored


async def test_delete_iter_keys_and_delete_prefix(store: S3ObjectStore) -> None:
    keys = sorted(
        [f"media/1/{n:02}.webp" for n in range(30)]
        + ["media/12/thumb.webp", "media/2/thumb.webp"]
        + [f"originals/{n}" for n in range(10)]
    )
    for key in keys:
        await store.put(key, b"x", content_type="image/webp")

    async def listed(prefix: str) -> list[str]:
        return [key async for key in store.iter_keys(prefix)]

    # batch_size=7: every listing below spans several pages.
    assert await listed("") == keys
    assert await listed("media/1/") == [k for k in keys if k.startswith("media/1/")]
    assert len(await listed("media/1")) == 31
    assert await listed("nothing/") == []

    await store.delete_prefix("media/1/")
    assert await listed("media/") == ["media/12/thumb.webp", "media/2/thumb.webp"]

    originals = [k for k in keys if k.startswith("originals/")]
    await store.delete([*originals, *originals, "originals/404"])  # duplicates, missing
    assert await listed("originals/") == []
    assert await listed("") == ["media/12/thumb.webp", "media/2/thumb.webp"]


@pytest.mark.parametrize(
    ("endpoint", "cdn", "expected"),
    [
        (None, None, "https://bucket-x.s3.eu-west-3.amazonaws.com/media/1/thumb.webp"),
        ("http://minio:9000/", None, "http://minio:9000/bucket-x/media/1/thumb.webp"),
        ("http://minio:9000", "https://cdn.example/", "https://cdn.example/media/1/thumb.webp"),
        (None, "https://cdn.example/snap", "https://cdn.example/snap/media/1/thumb.webp"),
    ],
    ids=["aws", "endpoint", "cdn-over-endpoint", "cdn-over-aws"],
)
def test_public_url(endpoint: str | None, cdn: str | None, expected: str) -> None:
    # public_url needs no client: the store is never opened.
    store = S3ObjectStore(
        bucket="bucket-x", region="eu-west-3", endpoint_url=endpoint, public_base_url=cdn
    )
    assert store.public_url("media/1/thumb.webp") == expected
    with pytest.raises(ValueError):
        store.public_url("originals/1")


async def test_open_object_store(s3_endpoint: str, tmp_path: Path) -> None:
    async def open_store(backend: str) -> ObjectStore:
        return await open_object_store(
            backend=backend,
            local_root=tmp_path,
            public_base_url="http://snapfeed.test",
            secret=b"secret",
            s3_bucket="bucket-y",
            s3_region=REGION,
            s3_endpoint_url=s3_endpoint,
            s3_presign_endpoint_url=None,
            s3_access_key_id=ACCESS_KEY,
            s3_secret_access_key=SECRET_KEY,
            media_base_url="https://cdn.example",
        )

    s3 = await open_store("s3")
    try:
        assert isinstance(s3, S3ObjectStore)
        assert s3.public_url("media/1/a.jpg") == "https://cdn.example/media/1/a.jpg"
        await s3._client.create_bucket(Bucket="bucket-y")
        await s3.put("media/1/a.jpg", b"jpeg", content_type="image/jpeg")
        assert await s3.head("media/1/a.jpg") == ObjectInfo(size=4, content_type="image/jpeg")
    finally:
        await s3.close()
    local = await open_store("local")
    assert isinstance(local, LocalObjectStore)
    assert local.public_url("media/1/a.jpg") == "http://snapfeed.test/media/1/a.jpg"
    await local.close()
    with pytest.raises(ValueError, match="backend"):
        await open_store("gcs")


async def test_presigned_url_on_aws_is_regional() -> None:
    # Signing is local: no request leaves the machine.
    store = await S3ObjectStore(
        bucket="bucket-x", region="eu-west-3", access_key_id="a", secret_access_key="b"
    ).open()
    try:
        target = await store.presign_upload(
            "originals/1", content_type="image/png", byte_size=3, expires_in=60
        )
    finally:
        await store.close()
    assert target.url.startswith("https://bucket-x.s3.eu-west-3.amazonaws.com/originals/1?")
    assert "content-length%3Bcontent-type%3Bhost" in target.url


async def test_unopened_store_refuses_calls() -> None:
    store = S3ObjectStore(bucket="b", region=REGION)
    with pytest.raises(RuntimeError, match="open"):
        await store.head("originals/1")


async def test_presigned_urls_can_name_a_public_endpoint(s3_endpoint: str) -> None:
    store = await S3ObjectStore(
        bucket="bucket-z",
        region=REGION,
        endpoint_url=s3_endpoint,
        access_key_id=ACCESS_KEY,
        secret_access_key=SECRET_KEY,
        presign_endpoint_url="https://uploads.example",
    ).open()
    try:
        target = await store.presign_upload(
            "originals/9", content_type="image/jpeg", byte_size=10, expires_in=60
        )
        assert target.url.startswith("https://uploads.example/bucket-z/originals/9?")
    finally:
        await store.close()
