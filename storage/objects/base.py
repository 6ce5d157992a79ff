"""The object-store interface every backend implements."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

# Served with every variant: keys are fixed per media and size, never rewritten with different
# bytes, so a CDN may keep them for a year.
IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable"

# A media's key secret: 128 random bits, hex (drawn by the database at insert).
_KEY_SECRET = re.compile(r"[0-9a-f]{32}")


def original_key(media_id: int) -> str:
    """Uploaded bytes as the client sent them (may carry EXIF/GPS): never public."""
    return f"originals/{media_id}"


def original_media_id(key: str) -> int | None:
    """The media id an `original_key` names; None for any other key."""
    prefix, _, rest = key.partition("/")
    if prefix != "originals" or not rest.isascii() or not rest.isdigit():
        return None
    return int(rest)


def variant_key(media_id: int, key_secret: str, size: str, ext: str) -> str:
    """A processed, metadata-free rendition: public and immutable.

    The media's random `key_secret` makes the URL unguessable: ids are time-ordered, so
    without it a private account's media could be found by trying ids near one's own.
    """
    if not _KEY_SECRET.fullmatch(key_secret):
        raise ValueError("a media key secret is 32 lowercase hex digits")
    return f"media/{media_id}/{key_secret}/{size.lower()}.{ext}"


def media_prefix(media_id: int) -> str:
    """Every variant of a media, whatever its key layout (deletions go by this)."""
    return f"media/{media_id}/"


@dataclass(frozen=True)
class UploadTarget:
    """Where and how a client PUTs an original."""

    url: str
    headers: dict[str, str]
    expires_at: datetime


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    content_type: str | None
    storage_class: str | None = None  # None: the default (hot) class


class ObjectStore(Protocol):
    async def presign_upload(
        self, key: str, *, content_type: str, byte_size: int, expires_in: int
    ) -> UploadTarget:
        """A URL accepting one PUT of at most `byte_size` bytes of `content_type`."""
        ...

    async def put(
        self, key: str, data: bytes, *, content_type: str, cache_control: str | None = None
    ) -> None: ...

    async def put_file(
        self, key: str, path: Path, *, content_type: str, cache_control: str | None = None
    ) -> None:
        """Upload a local file without reading it all into memory."""
        ...

    async def download(self, key: str, path: Path) -> None:
        """Copy an object to a local file (streamed). FileNotFoundError when missing."""
        ...

    async def head(self, key: str) -> ObjectInfo | None: ...

    async def read_head(self, key: str, size: int) -> bytes | None:
        """The first `size` bytes of an object (all of a shorter one); None when missing."""
        ...

    async def archive(self, key: str, storage_class: str) -> None:
        """Move an object to a cold storage class, keeping its key and bytes (S3: a copy onto
        itself in `storage_class`; local disk: the `.cold` folder). FileNotFoundError when
        missing."""
        ...

    async def unarchive(self, key: str) -> None:
        """Bring an archived object back to the default class (S3: a copy onto itself in
        STANDARD, refused for classes that need a restore first; local disk: out of `.cold`).
        A hot object stays as it is. FileNotFoundError when missing."""
        ...

    async def delete(self, keys: Sequence[str]) -> None:
        """Delete keys; missing ones are ignored."""
        ...

    async def delete_prefix(self, prefix: str) -> None: ...

    def public_url(self, key: str) -> str:
        """The URL clients fetch a public (variant) object from."""
        ...

    def iter_keys(self, prefix: str) -> AsyncIterator[str]: ...

    async def close(self) -> None: ...
