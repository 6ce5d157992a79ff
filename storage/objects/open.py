"""Build the configured object store."""

from __future__ import annotations

from pathlib import Path

from storage.objects.base import ObjectStore
from storage.objects.local import LocalObjectStore
from storage.objects.s3 import S3ObjectStore


async def open_object_store(
    *,
    backend: str,
    local_root: Path,
    public_base_url: str,
    secret: bytes,
    s3_bucket: str,
    s3_region: str,
    s3_endpoint_url: str | None,
    s3_presign_endpoint_url: str | None,
    s3_access_key_id: str | None,
    s3_secret_access_key: str | None,
    media_base_url: str | None,
) -> ObjectStore:
    """`backend` is "local" or "s3".

    local: files under `local_root`; uploads go to `{public_base_url}/uploads/...` (signed
    with `secret`) and media is served from `{public_base_url}/media/...`.
    s3: media URLs use `media_base_url` (a CDN) when set, else the bucket's own URL.
    """
    if backend == "local":
        return LocalObjectStore(local_root, public_base_url=public_base_url, secret=secret)
    if backend == "s3":
        store = S3ObjectStore(
            bucket=s3_bucket,
            region=s3_region,
            endpoint_url=s3_endpoint_url,
            access_key_id=s3_access_key_id,
            secret_access_key=s3_secret_access_key,
            public_base_url=media_base_url,
            presign_endpoint_url=s3_presign_endpoint_url,
        )
        return await store.open()
    raise ValueError(f"unknown object store backend {backend!r} (expected 'local' or 's3')")
