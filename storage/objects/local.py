"""The local-disk backend: objects are files under one root, served by Snapfeed itself.

Layout: the object `k` is the file `root/k`; its content type (and cache control) live in
`root/.meta/k.json`. Path segments starting with "." are reserved (temp files, `.meta`),
so no key can collide with them and `iter_keys` skips them. An archived object (the local
"cold storage class") is the file `root/.cold/k`: same key, same reads, another folder,
which may be a mount of cheaper, slower disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from storage.objects.base import ObjectInfo, UploadTarget
from storage.objects.signed_urls import InvalidUpload, UploadGrant, sign_upload, verify_upload

_META_DIR = ".meta"
_COLD_DIR = ".cold"
COLD_STORAGE_CLASS = "COLD"
_TMP_PREFIX = ".tmp-"
_COPY_CHUNK = 1024 * 1024
_PUBLIC_PREFIX = "media/"
ALREADY_UPLOADED = "this upload URL has been used"


# Every page asks for the URLs of its variants again; checking and quoting a key is most of
# the cost of one. A ValueError is not cached: a bad key fails every time.
@functools.lru_cache(maxsize=65_536)
def _public_url(base_url: str, key: str) -> str:
    check_key(key)
    if not key.startswith(_PUBLIC_PREFIX):
        raise ValueError(f"{key!r} is not public: only {_PUBLIC_PREFIX}* keys are")
    return f"{base_url}/media/{quote(key.removeprefix(_PUBLIC_PREFIX))}"


def check_key(key: str) -> None:
    """ValueError unless `key` is a relative, normalised path that stays under the root."""
    if not key or key.startswith("/") or "\\" in key or "\0" in key:
        raise ValueError(f"unsafe object key {key!r}")
    for part in key.split("/"):
        if not part or part.startswith("."):
            raise ValueError(f"unsafe object key {key!r}")


def _check_prefix(prefix: str) -> None:
    # Like a key, except that it may be empty or end with "/" or part of a name.
    if prefix:
        check_key(prefix.removesuffix("/"))


class LocalObjectStore:
    def __init__(self, root: Path, *, public_base_url: str, secret: bytes) -> None:
        if not secret:
            raise ValueError("the local object store needs a secret to sign uploads")
        self._root = root
        self._meta_root = root / _META_DIR
        self._cold_root = root / _COLD_DIR
        self._public_base_url = public_base_url.rstrip("/")
        self._secret = secret

    def file_path(self, key: str) -> Path:
        check_key(key)
        return self._root / key

    def _meta_path(self, key: str) -> Path:
        return self._meta_root / f"{key}.json"

    def _cold_path(self, key: str) -> Path:
        check_key(key)
        return self._cold_root / key

    def _locate(self, key: str) -> Path:
        """Where the object's bytes are: its own path, else its archived copy."""
        path = self.file_path(key)
        if path.is_file():
            return path
        cold = self._cold_path(key)
        return cold if cold.is_file() else path

    async def presign_upload(
        self, key: str, *, content_type: str, byte_size: int, expires_in: int
    ) -> UploadTarget:
        check_key(key)
        if expires_in <= 0:
            raise ValueError("expires_in must be positive")
        expires_at = int(time.time()) + expires_in
        token = sign_upload(
            self._secret,
            key=key,
            content_type=content_type,
            byte_size=byte_size,
            expires_at=expires_at,
        )
        return UploadTarget(
            url=f"{self._public_base_url}/uploads/{token}",
            headers={"Content-Type": content_type},
            expires_at=datetime.fromtimestamp(expires_at, UTC),
        )

    async def receive_upload(
        self,
        token: str,
        content_type: str | None,
        chunks: AsyncIterator[bytes],
        *,
        now: int,
        accept: Callable[[UploadGrant], Awaitable[None]] | None = None,
    ) -> UploadGrant:
        """Store the body of a PUT to a signed upload URL, streamed and size-capped.

        Accepts at most the signed number of bytes (S3 insists on exactly that many, through
        the signed Content-Length). Nothing is left on disk unless the whole upload succeeds.
        Single use, like an S3 PUT with `If-None-Match: *`: an object already at the key is
        never replaced (409). `accept` may refuse a valid token by raising InvalidUpload.
        """
        try:
            grant = verify_upload(self._secret, token, now=now)
            if content_type != grant.content_type:
                raise InvalidUpload("content type differs from the signed one", status=415)
            target = self.file_path(grant.key)
            if accept is not None:
                await accept(grant)
            if await asyncio.to_thread(self._locate(grant.key).exists):
                raise InvalidUpload(ALREADY_UPLOADED, status=409)
            handle, tmp = await asyncio.to_thread(_open_temp, target)
            try:
                received = 0
                async for chunk in chunks:
                    received += len(chunk)
                    if received > grant.byte_size:
                        raise InvalidUpload("body larger than the signed size", status=413)
                    await asyncio.to_thread(handle.write, chunk)
                await asyncio.to_thread(_finish, handle)
                await asyncio.to_thread(
                    _write_meta, self._meta_path(grant.key), grant.content_type, None
                )
                # link(), not replace(): it fails if the key exists, so of two PUTs racing
                # with the same URL exactly one lands, and nothing is ever overwritten.
                try:
                    await asyncio.to_thread(os.link, tmp, target)
                except FileExistsError:
                    raise InvalidUpload(ALREADY_UPLOADED, status=409) from None
            finally:
                # Synchronous on purpose: this must run even when the task is being cancelled.
                handle.close()
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
        finally:
            # Stop the producer (e.g. Starlette's request.stream()) promptly when we give up.
            aclose = getattr(chunks, "aclose", None)
            if aclose is not None:
                await aclose()
        return grant

    async def put(
        self, key: str, data: bytes, *, content_type: str, cache_control: str | None = None
    ) -> None:
        target = self.file_path(key)
        await asyncio.to_thread(_write_meta, self._meta_path(key), content_type, cache_control)
        await asyncio.to_thread(_atomic_write, target, lambda f: f.write(data))

    async def put_file(
        self, key: str, path: Path, *, content_type: str, cache_control: str | None = None
    ) -> None:
        target, meta_path = self.file_path(key), self._meta_path(key)

        def copy() -> None:
            # Open the source first: a missing one must not leave orphaned metadata.
            with path.open("rb") as source:
                _write_meta(meta_path, content_type, cache_control)
                _copy_from(source, target)

        await asyncio.to_thread(copy)

    async def download(self, key: str, path: Path) -> None:
        source = await asyncio.to_thread(self._locate, key)
        await asyncio.to_thread(_copy_file, source, path)

    async def read_head(self, key: str, size: int) -> bytes | None:
        def read() -> bytes | None:
            try:
                with self._locate(key).open("rb") as source:
                    return source.read(size)
            except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
                return None

        return await asyncio.to_thread(read)

    async def archive(self, key: str, storage_class: str) -> None:
        """Move the object into the cold folder (`storage_class` is for S3; here there is one
        cold class). Archiving an archived object changes nothing."""
        hot, cold = self.file_path(key), self._cold_path(key)

        def move() -> None:
            if not hot.is_file():
                if cold.is_file():
                    return
                raise FileNotFoundError(key)
            cold.parent.mkdir(parents=True, exist_ok=True)
            # A copy then an unlink when `.cold` is another filesystem.
            shutil.move(hot, cold)
            _prune_empty_dirs(hot.parent, stop=self._root)

        await asyncio.to_thread(move)

    async def unarchive(self, key: str) -> None:
        hot, cold = self.file_path(key), self._cold_path(key)

        def move() -> None:
            if not cold.is_file():
                if hot.is_file():
                    return
                raise FileNotFoundError(key)
            hot.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(cold, hot)
            _prune_empty_dirs(cold.parent, stop=self._cold_root)

        await asyncio.to_thread(move)

    async def head(self, key: str) -> ObjectInfo | None:
        return await asyncio.to_thread(self._head, key)

    def _head(self, key: str) -> ObjectInfo | None:
        path = self._locate(key)
        try:
            stat = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not path.is_file():
            return None
        try:
            meta: dict[str, Any] = json.loads(self._meta_path(key).read_bytes())
        except FileNotFoundError:
            meta = {}
        cold = path.is_relative_to(self._cold_root)
        return ObjectInfo(
            size=stat.st_size,
            content_type=meta.get("content_type"),
            storage_class=COLD_STORAGE_CLASS if cold else None,
        )

    async def delete(self, keys: Sequence[str]) -> None:
        for key in keys:
            check_key(key)
        await asyncio.to_thread(self._delete_sync, list(keys))

    def _delete_sync(self, keys: list[str]) -> None:
        for key in keys:
            for path in (self._root / key, self._cold_root / key, self._meta_path(key)):
                # A "directory key" is just a missing object, as on S3.
                with contextlib.suppress(FileNotFoundError, NotADirectoryError, IsADirectoryError):
                    path.unlink()
                # Otherwise every deleted media id would leave an empty directory behind.
                _prune_empty_dirs(path.parent, stop=self._root)

    async def delete_prefix(self, prefix: str) -> None:
        keys = await asyncio.to_thread(self._list, prefix)
        await asyncio.to_thread(self._delete_sync, keys)

    async def iter_keys(self, prefix: str) -> AsyncIterator[str]:
        for key in await asyncio.to_thread(self._list, prefix):
            yield key

    def _list(self, prefix: str) -> list[str]:
        """Keys starting with `prefix` (archived ones too), sorted like S3 lists them."""
        _check_prefix(prefix)
        directory = prefix[: prefix.rfind("/") + 1]
        keys: set[str] = set()
        for root in (self._root, self._cold_root):
            for dirpath, dirnames, filenames in os.walk(root / directory):
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                rel = Path(dirpath).relative_to(root).as_posix()
                for name in filenames:
                    if name.startswith("."):
                        continue
                    key = name if rel == "." else f"{rel}/{name}"
                    if key.startswith(prefix):
                        keys.add(key)
        return sorted(keys)

    def public_url(self, key: str) -> str:
        return _public_url(self._public_base_url, key)

    async def close(self) -> None:
        return None


def _open_temp(target: Path) -> tuple[IO[bytes], str]:
    """A temp file next to `target`, so os.replace is an atomic rename on one filesystem."""
    # A concurrent delete may prune the fresh directory between mkdir and mkstemp: retry once.
    for attempt in (1, 2):
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=_TMP_PREFIX)
        except FileNotFoundError:
            if attempt == 2:
                raise
            continue
        # mkstemp makes 0600 files; objects may be served by another process (e.g. nginx).
        os.fchmod(fd, 0o644)
        return os.fdopen(fd, "wb"), tmp
    raise AssertionError("unreachable")


def _finish(handle: IO[bytes]) -> None:
    handle.flush()
    # Without fsync a crash right after the rename can leave an empty file under the key.
    os.fsync(handle.fileno())
    handle.close()


def _atomic_write(target: Path, write: Callable[[IO[bytes]], object]) -> None:
    handle, tmp = _open_temp(target)
    try:
        with handle:
            write(handle)
            _finish(handle)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _copy_from(source: IO[bytes], target: Path) -> None:
    _atomic_write(target, lambda dst: shutil.copyfileobj(source, dst, _COPY_CHUNK))


def _copy_file(source: Path, target: Path) -> None:
    # Open the source first: a missing one raises FileNotFoundError before anything is written.
    with source.open("rb") as src:
        _copy_from(src, target)


def _write_meta(meta_path: Path, content_type: str, cache_control: str | None) -> None:
    # Written before the object itself, so a visible object always has its content type.
    meta = {"content_type": content_type, "cache_control": cache_control}
    _atomic_write(meta_path, lambda f: f.write(json.dumps(meta).encode()))


def _prune_empty_dirs(directory: Path, *, stop: Path) -> None:
    while directory != stop and stop in directory.parents:
        try:
            directory.rmdir()
        except OSError:  # not empty, or already gone
            return
        directory = directory.parent
