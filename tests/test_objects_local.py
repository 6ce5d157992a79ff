from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from storage.objects.base import IMMUTABLE_CACHE_CONTROL, ObjectInfo, ObjectStore
from storage.objects.local import LocalObjectStore
from storage.objects.signed_urls import InvalidUpload, UploadGrant, sign_upload

SECRET = b"local-test-secret"
BASE = "http://snapfeed.test"
NOW = int(time.time())
CHUNK = 64 * 1024


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "objects"


@pytest.fixture
def store(root: Path) -> LocalObjectStore:
    return LocalObjectStore(root, public_base_url=BASE + "/", secret=SECRET)


def _all_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


async def _chunks(parts: Iterable[bytes]) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def _token(key: str = "originals/1", *, size: int = 10, expires_at: int = NOW + 60) -> str:
    return sign_upload(
        SECRET, key=key, content_type="image/jpeg", byte_size=size, expires_at=expires_at
    )


def test_satisfies_the_protocol(store: LocalObjectStore) -> None:
    typed: ObjectStore = store  # checked by mypy
    assert typed is store


async def test_put_head_download_delete(store: LocalObjectStore, tmp_path: Path) -> None:
    key = "media/1/thumb.webp"
    assert await store.head(key) is None
    await store.put(key, b"webp bytes", content_type="image/webp", cache_control="no-store")
    assert await store.head(key) == ObjectInfo(size=10, content_type="image/webp")
    assert store.file_path(key).read_bytes() == b"webp bytes"

    target = tmp_path / "out" / "copy.webp"
    await store.download(key, target)
    assert target.read_bytes() == b"webp bytes"

    await store.put(key, b"replaced", content_type="image/webp")
    assert await store.head(key) == ObjectInfo(size=8, content_type="image/webp")

    await store.delete([key, "media/1/missing.webp", "originals/404"])
    assert await store.head(key) is None
    with pytest.raises(FileNotFoundError):
        await store.download(key, target)
    assert target.read_bytes() == b"webp bytes"  # a failed download leaves the target alone


async def test_put_file_streams_a_copy(store: LocalObjectStore, root: Path, tmp_path: Path) -> None:
    source = tmp_path / "big.mp4"
    source.write_bytes(b"\x00\x01" * (3 * 1024 * 1024))
    key = "media/2/video.mp4"
    await store.put_file(
        key, source, content_type="video/mp4", cache_control=IMMUTABLE_CACHE_CONTROL
    )
    assert await store.head(key) == ObjectInfo(size=6 * 1024 * 1024, content_type="video/mp4")
    assert store.file_path(key).read_bytes() == source.read_bytes()
    with pytest.raises(FileNotFoundError):
        await store.put_file("media/2/other.mp4", tmp_path / "nope", content_type="video/mp4")
    assert await store.head("media/2/other.mp4") is None
    assert _all_files(root) == [".meta/media/2/video.mp4.json", "media/2/video.mp4"]
    assert store.file_path(key).stat().st_mode & 0o777 == 0o644  # readable by a proxy


async def test_prefixes(store: LocalObjectStore, root: Path) -> None:
    keys = [
        "media/1/large.webp",
        "media/1/thumb.webp",
        "media/12/thumb.webp",
        "media/2/thumb.webp",
        "originals/1",
        "originals/12",
    ]
    for key in reversed(keys):
        await store.put(key, key.encode(), content_type="application/octet-stream")

    async def listed(prefix: str) -> list[str]:
        return [key async for key in store.iter_keys(prefix)]

    assert await listed("") == keys  # sorted; temp files and metadata never show up
    assert await listed("media/1/") == keys[:2]
    assert await listed("media/1") == keys[:3]  # S3 semantics: a prefix, not a directory
    assert await listed("originals/") == keys[4:]
    assert await listed("nothing/") == []

    await store.delete_prefix("media/1/")
    assert await listed("media/") == ["media/12/thumb.webp", "media/2/thumb.webp"]
    # No empty directory (nor orphaned metadata) is left for the deleted media id.
    assert not (root / "media" / "1").exists()
    assert not (root / ".meta" / "media" / "1").exists()

    await store.delete_prefix("media/")
    await store.delete(["originals/1", "originals/12"])
    assert _all_files(root) == []


@pytest.mark.parametrize(
    "key",
    [
        "",
        "/etc/passwd",
        "../outside",
        "media/../../outside",
        "media/..",
        "media/./1",
        "media//1",
        "media/1/",
        "media\\1",
        "media/1\0.webp",
        ".meta/media/1/thumb.webp.json",
        "media/1/.tmp-abc",
    ],
)
async def test_unsafe_keys_are_refused(store: LocalObjectStore, key: str) -> None:
    with pytest.raises(ValueError):
        store.file_path(key)
    with pytest.raises(ValueError):
        await store.put(key, b"x", content_type="text/plain")
    with pytest.raises(ValueError):
        await store.head(key)
    with pytest.raises(ValueError):
        await store.delete([key])
    with pytest.raises(ValueError):
        await store.presign_upload(key, content_type="image/png", byte_size=1, expires_in=60)


@pytest.mark.parametrize("prefix", ["../", "/", "media/../", "\\"])
async def test_unsafe_prefixes_are_refused(store: LocalObjectStore, prefix: str) -> None:
    with pytest.raises(ValueError):
        [key async for key in store.iter_keys(prefix)]
    with pytest.raises(ValueError):
        await store.delete_prefix(prefix)


@pytest.mark.parametrize(
    ("key", "url"),
    [
        ("media/1/thumb.webp", f"{BASE}/media/1/thumb.webp"),
        ("media/7/video.mp4", f"{BASE}/media/7/video.mp4"),
        ("media/7/a b.jpg", f"{BASE}/media/7/a%20b.jpg"),
    ],
)
def test_public_url(store: LocalObjectStore, key: str, url: str) -> None:
    assert store.public_url(key) == url


@pytest.mark.parametrize("key", ["originals/1", "media/../originals/1", "mediax/1"])
def test_originals_are_never_public(store: LocalObjectStore, key: str) -> None:
    with pytest.raises(ValueError):
        store.public_url(key)


async def test_presigned_upload_round_trip(store: LocalObjectStore) -> None:
    target = await store.presign_upload(
        "originals/5", content_type="image/png", byte_size=6, expires_in=300
    )
    assert target.headers == {"Content-Type": "image/png"}
    assert abs(target.expires_at.timestamp() - (time.time() + 300)) < 5
    url = urlsplit(target.url)
    assert f"{url.scheme}://{url.netloc}" == BASE
    prefix = "/uploads/"
    assert url.path.startswith(prefix)

    grant = await store.receive_upload(
        url.path.removeprefix(prefix),
        "image/png",
        _chunks([b"abc", b"", b"def"]),
        now=int(time.time()),
    )
    assert (grant.key, grant.byte_size) == ("originals/5", 6)
    assert await store.head("originals/5") == ObjectInfo(size=6, content_type="image/png")
    assert store.file_path("originals/5").read_bytes() == b"abcdef"


async def test_upload_smaller_than_declared_is_accepted(store: LocalObjectStore) -> None:
    await store.receive_upload(_token(size=10), "image/jpeg", _chunks([b"12345"]), now=NOW)
    assert await store.head("originals/1") == ObjectInfo(size=5, content_type="image/jpeg")


@pytest.mark.parametrize(
    ("token", "content_type", "parts", "status"),
    [
        (_token(), "image/png", [b"x"], 415),
        (_token(), None, [b"x"], 415),
        (_token(), "image/jpeg; charset=binary", [b"x"], 415),
        (_token(size=10), "image/jpeg", [b"12345", b"678901"], 413),
        (_token(size=0), "image/jpeg", [b"x"], 413),
        (_token(expires_at=NOW), "image/jpeg", [b"x"], 403),
        (_token().replace(".", "x."), "image/jpeg", [b"x"], 403),
        (_token()[:-2], "image/jpeg", [b"x"], 403),
        ("not-a-token", "image/jpeg", [b"x"], 403),
    ],
    ids=[
        "wrong-type",
        "no-type",
        "type-with-params",
        "too-big",
        "empty-declared",
        "expired",
        "tampered",
        "truncated",
        "garbage",
    ],
)
async def test_upload_refused(
    store: LocalObjectStore,
    root: Path,
    token: str,
    content_type: str | None,
    parts: list[bytes],
    status: int,
) -> None:
    with pytest.raises(InvalidUpload) as refused:
        await store.receive_upload(token, content_type, _chunks(parts), now=NOW)
    assert refused.value.status == status
    # Neither the object, nor its metadata, nor a temp file is left behind.
    assert await store.head("originals/1") is None
    assert _all_files(root) == []


async def test_refused_upload_keeps_the_previous_object(store: LocalObjectStore) -> None:
    await store.receive_upload(_token(), "image/jpeg", _chunks([b"first"]), now=NOW)
    with pytest.raises(InvalidUpload):
        await store.receive_upload(_token(), "image/jpeg", _chunks([b"x" * 11]), now=NOW)
    assert store.file_path("originals/1").read_bytes() == b"first"


async def test_an_upload_url_stores_once(store: LocalObjectStore, root: Path) -> None:
    await store.receive_upload(_token(), "image/jpeg", _chunks([b"first"]), now=NOW)
    with pytest.raises(InvalidUpload) as refused:
        await store.receive_upload(_token(), "image/jpeg", _chunks([b"second"]), now=NOW)
    assert refused.value.status == 409
    assert store.file_path("originals/1").read_bytes() == b"first"
    assert _all_files(root) == [".meta/originals/1.json", "originals/1"]


async def test_racing_uploads_to_one_url_store_exactly_one(store: LocalObjectStore) -> None:
    both_streaming = asyncio.Barrier(2)

    async def body(data: bytes) -> AsyncIterator[bytes]:
        yield data[:2]
        await both_streaming.wait()  # both passed the "nothing there yet" check
        yield data[2:]

    results = await asyncio.gather(
        *(
            store.receive_upload(_token(), "image/jpeg", body(data), now=NOW)
            for data in (b"aaaaa", b"bbbbb")
        ),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, InvalidUpload)]
    assert len(refused) == 1 and refused[0].status == 409
    assert store.file_path("originals/1").read_bytes() in {b"aaaaa", b"bbbbb"}


async def test_accept_hook_can_refuse_a_valid_token(store: LocalObjectStore, root: Path) -> None:
    seen: list[str] = []

    async def gone(grant: UploadGrant) -> None:
        seen.append(grant.key)
        raise InvalidUpload("no such media", status=410)

    with pytest.raises(InvalidUpload) as refused:
        await store.receive_upload(_token(), "image/jpeg", _chunks([b"x"]), now=NOW, accept=gone)
    assert (refused.value.status, seen) == (410, ["originals/1"])
    assert _all_files(root) == []


async def test_upload_is_streamed_not_buffered(store: LocalObjectStore, root: Path) -> None:
    consumed = 0
    closed = False

    async def five_megabytes() -> AsyncIterator[bytes]:
        nonlocal consumed, closed
        try:
            for _ in range(5 * 1024 * 1024 // CHUNK):
                consumed += 1
                yield b"\xff" * CHUNK
        finally:
            closed = True

    declared = CHUNK * 3 + 100
    with pytest.raises(InvalidUpload) as refused:
        await store.receive_upload(_token(size=declared), "image/jpeg", five_megabytes(), now=NOW)
    assert refused.value.status == 413
    # Stopped at the first chunk beyond the limit, and told the producer to stop.
    assert consumed == 4
    assert closed
    assert _all_files(root) == []


async def test_failing_body_leaves_nothing(store: LocalObjectStore, root: Path) -> None:
    async def disconnects() -> AsyncIterator[bytes]:
        yield b"12345"
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await store.receive_upload(_token(), "image/jpeg", disconnects(), now=NOW)
    assert _all_files(root) == []


def test_needs_a_secret(root: Path) -> None:
    with pytest.raises(ValueError):
        LocalObjectStore(root, public_base_url=BASE, secret=b"")
