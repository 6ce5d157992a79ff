"""The S3 backend (AWS or any S3-compatible store: MinIO, Garage, R2, ...) over aioboto3."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aioboto3
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from storage.objects.base import ObjectInfo, UploadTarget

# S3 caps both a list page and a delete_objects call at 1000 keys.
MAX_BATCH = 1000
# Files above this go up in parts of this size (S3's minimum part size is 5 MiB).
PART_SIZE = 8 * 1024 * 1024
_DOWNLOAD_CHUNK = 1024 * 1024
_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}


class S3DeleteError(RuntimeError):
    """delete_objects answered 200 but refused some keys."""


class S3ObjectStore:
    """Usage: `store = await S3ObjectStore(...).open()`; one client serves every call."""

    def __init__(
        self,
        *,
        bucket: str,
        region: str,
        endpoint_url: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        public_base_url: str | None = None,
        presign_endpoint_url: str | None = None,
        batch_size: int = MAX_BATCH,
    ) -> None:
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be between 1 and {MAX_BATCH}")
        self.bucket = bucket
        self._region = region
        self.endpoint_url = endpoint_url.rstrip("/") if endpoint_url else None
        self._access_key_id = access_key_id
        self._secret_access_key = secret_access_key
        self._public_base_url = public_base_url.rstrip("/") if public_base_url else None
        # Clients may reach S3 by another name than the server does (MinIO in compose).
        self._presign_endpoint_url = (
            presign_endpoint_url.rstrip("/") if presign_endpoint_url else self.endpoint_url
        )
        self._presigner: Any = None
        self._batch_size = batch_size
        self._stack = AsyncExitStack()
        self._client_or_none: Any = None

    async def open(self) -> S3ObjectStore:
        if self._client_or_none is not None:
            raise RuntimeError("already open")
        config: dict[str, Any] = {"signature_version": "s3v4"}
        if self.endpoint_url:
            # S3-compatible servers rarely do virtual-host buckets, and many of them reject
            # the default CRC checksums botocore >= 1.36 sends with every upload.
            config["s3"] = {"addressing_style": "path"}
            config["request_checksum_calculation"] = "when_required"
            config["response_checksum_validation"] = "when_required"
        else:
            # Explicit, or presigned URLs use the global bucket.s3.amazonaws.com host, which
            # redirects (breaking browser PUTs) for buckets outside us-east-1.
            config["s3"] = {"addressing_style": "virtual"}
        # None credentials fall back to botocore's chain (env, profile, instance role).
        session = aioboto3.Session(
            aws_access_key_id=self._access_key_id,
            aws_secret_access_key=self._secret_access_key,
            region_name=self._region,
        )
        self._client_or_none = await self._stack.enter_async_context(
            session.client("s3", endpoint_url=self.endpoint_url, config=Config(**config))
        )
        self._presigner = self._client_or_none
        if self._presign_endpoint_url != self.endpoint_url:
            self._presigner = await self._stack.enter_async_context(
                session.client(
                    "s3", endpoint_url=self._presign_endpoint_url, config=Config(**config)
                )
            )
        return self

    @property
    def _client(self) -> Any:
        """The aiobotocore client; tests use it for what the interface lacks (create_bucket)."""
        if self._client_or_none is None:
            raise RuntimeError("S3ObjectStore used before open() or after close()")
        return self._client_or_none

    async def close(self) -> None:
        self._client_or_none = self._presigner = None
        await self._stack.aclose()

    async def presign_upload(
        self, key: str, *, content_type: str, byte_size: int, expires_in: int
    ) -> UploadTarget:
        """Content-Type and Content-Length are signed: S3 refuses any other type or size.

        So is `If-None-Match: *` (S3 conditional writes): the URL creates the object once and
        can never overwrite it, e.g. replace an original after its post was published.
        """
        expires_at = int(time.time()) + expires_in
        self._client  # noqa: B018 -- raises when not open
        url: str = await self._presigner.generate_presigned_url(
            "put_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ContentType": content_type,
                "ContentLength": byte_size,
                "IfNoneMatch": "*",
            },
            ExpiresIn=expires_in,
        )
        return UploadTarget(
            url=url,
            headers={"Content-Type": content_type, "If-None-Match": "*"},
            expires_at=datetime.fromtimestamp(expires_at, UTC),
        )

    async def put(
        self, key: str, data: bytes, *, content_type: str, cache_control: str | None = None
    ) -> None:
        # A file-like body: aiohttp warns about `bytes` bodies over 1 MiB.
        await self._client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=io.BytesIO(data),
            **_extra_args(content_type, cache_control),
        )

    async def put_file(
        self, key: str, path: Path, *, content_type: str, cache_control: str | None = None
    ) -> None:
        """One PUT for small files, else a multipart upload holding one part in memory.

        Not aioboto3's upload_file: it hands aiohttp multi-megabyte `bytes` bodies, which
        aiohttp warns about (an error under our test settings).
        """
        extra = _extra_args(content_type, cache_control)
        size = (await asyncio.to_thread(path.stat)).st_size
        if size <= PART_SIZE:
            data = await asyncio.to_thread(path.read_bytes)
            await self._client.put_object(
                Bucket=self.bucket, Key=key, Body=io.BytesIO(data), **extra
            )
            return
        started = await self._client.create_multipart_upload(Bucket=self.bucket, Key=key, **extra)
        upload = {"Bucket": self.bucket, "Key": key, "UploadId": started["UploadId"]}
        try:
            parts: list[dict[str, Any]] = []
            with await asyncio.to_thread(path.open, "rb") as handle:
                while data := await asyncio.to_thread(handle.read, PART_SIZE):
                    number = len(parts) + 1
                    part = await self._client.upload_part(
                        **upload, PartNumber=number, Body=io.BytesIO(data)
                    )
                    parts.append({"ETag": part["ETag"], "PartNumber": number})
            await self._client.complete_multipart_upload(**upload, MultipartUpload={"Parts": parts})
        except BaseException:
            # Unfinished uploads are billed storage until aborted.
            with contextlib.suppress(Exception):
                await self._client.abort_multipart_upload(**upload)
            raise

    async def download(self, key: str, path: Path) -> None:
        try:
            response = await self._client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _error_code(exc) in _NOT_FOUND:
                raise FileNotFoundError(f"s3://{self.bucket}/{key}") from exc
            raise
        # Into a temp file beside the target, renamed at the end: no half-written file at `path`.
        body = response["Body"]
        async with body:  # releases the connection (its __aenter__ returns the raw response)
            await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
            fd, tmp = await asyncio.to_thread(tempfile.mkstemp, dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    async for chunk in body.iter_chunks(_DOWNLOAD_CHUNK):
                        await asyncio.to_thread(handle.write, chunk)
                await asyncio.to_thread(os.replace, tmp, path)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
                raise

    async def head(self, key: str) -> ObjectInfo | None:
        try:
            response = await self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _error_code(exc) in _NOT_FOUND:
                return None
            raise
        return ObjectInfo(
            size=response["ContentLength"],
            content_type=response.get("ContentType"),
            # Absent for STANDARD.
            storage_class=response.get("StorageClass"),
        )

    async def read_head(self, key: str, size: int) -> bytes | None:
        try:
            response = await self._client.get_object(
                Bucket=self.bucket, Key=key, Range=f"bytes=0-{max(size, 1) - 1}"
            )
        except ClientError as exc:
            if _error_code(exc) in _NOT_FOUND:
                return None
            if _error_code(exc) == "InvalidRange":  # an empty object
                return b""
            raise
        body = response["Body"]
        async with body:  # releases the connection (see download)
            data: bytes = await body.read()
        return data[:size]

    async def archive(self, key: str, storage_class: str) -> None:
        """A copy onto itself in another storage class (content type and cache control are
        copied with it). Objects up to 5 GiB, which covers every original."""
        await self._set_class(key, storage_class)

    async def unarchive(self, key: str) -> None:
        info = await self.head(key)
        if info is None:
            raise FileNotFoundError(f"s3://{self.bucket}/{key}")
        if info.storage_class not in (None, "STANDARD"):
            await self._set_class(key, "STANDARD")

    async def _set_class(self, key: str, storage_class: str) -> None:
        try:
            await self._client.copy_object(
                Bucket=self.bucket,
                Key=key,
                CopySource={"Bucket": self.bucket, "Key": key},
                StorageClass=storage_class,
                MetadataDirective="COPY",
            )
        except ClientError as exc:
            code = _error_code(exc)
            if code in _NOT_FOUND:
                raise FileNotFoundError(f"s3://{self.bucket}/{key}") from exc
            if code == "InvalidRequest":
                # S3 refuses a copy onto itself that changes nothing: already in that class.
                info = await self.head(key)
                if info is not None and (info.storage_class or "STANDARD") == storage_class:
                    return
            raise

    async def delete(self, keys: Sequence[str]) -> None:
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), self._batch_size):
            await self._delete_batch(unique[start : start + self._batch_size])

    async def _delete_batch(self, keys: list[str]) -> None:
        response = await self._client.delete_objects(
            Bucket=self.bucket,
            Delete={"Objects": [{"Key": key} for key in keys], "Quiet": True},
        )
        # Missing keys are not errors on S3; these are real refusals (permissions, locks).
        errors = response.get("Errors") or []
        if errors:
            first = errors[0]
            raise S3DeleteError(
                f"{len(errors)} of {len(keys)} keys not deleted, e.g. "
                f"{first.get('Key')!r}: {first.get('Code')} {first.get('Message')}"
            )

    async def delete_prefix(self, prefix: str) -> None:
        # Deleting as we list is safe: the continuation token is a position, not a snapshot.
        batch: list[str] = []
        async for key in self.iter_keys(prefix):
            batch.append(key)
            if len(batch) == self._batch_size:
                await self._delete_batch(batch)
                batch = []
        if batch:
            await self._delete_batch(batch)

    async def iter_keys(self, prefix: str) -> AsyncIterator[str]:
        paginator = self._client.get_paginator("list_objects_v2")
        pages = paginator.paginate(
            Bucket=self.bucket, Prefix=prefix, PaginationConfig={"PageSize": self._batch_size}
        )
        async for page in pages:
            for entry in page.get("Contents", []):
                yield entry["Key"]

    async def lifecycle_rules(self) -> list[dict[str, Any]]:
        try:
            response = await self._client.get_bucket_lifecycle_configuration(Bucket=self.bucket)
        except ClientError as exc:
            if _error_code(exc) == "NoSuchLifecycleConfiguration":
                return []
            raise
        rules: list[dict[str, Any]] = response.get("Rules", [])
        return rules

    async def set_lifecycle_rules(self, rules: list[dict[str, Any]]) -> None:
        """Replace the bucket's lifecycle configuration (S3 has no per-rule update)."""
        await self._client.put_bucket_lifecycle_configuration(
            Bucket=self.bucket, LifecycleConfiguration={"Rules": rules}
        )

    def public_url(self, key: str) -> str:
        # Only variants are public, as on the local backend; originals may carry GPS data.
        if not key.startswith("media/"):
            raise ValueError(f"{key!r} is not public: only media/* keys are")
        path = quote(key)
        if self._public_base_url:
            return f"{self._public_base_url}/{path}"
        if self.endpoint_url:
            return f"{self.endpoint_url}/{self.bucket}/{path}"
        return f"https://{self.bucket}.s3.{self._region}.amazonaws.com/{path}"


def _extra_args(content_type: str, cache_control: str | None) -> dict[str, str]:
    extra = {"ContentType": content_type}
    if cache_control is not None:
        extra["CacheControl"] = cache_control
    return extra


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
