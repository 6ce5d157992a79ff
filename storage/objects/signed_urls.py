"""Snapfeed's own signed upload URLs, for backends that cannot presign (local disk).

A token is `base64url(json payload) "." base64url(HMAC-SHA256)`. The MAC covers the
payload exactly as transmitted, so no alternative encoding of it can verify.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Any

# Keys and content types are short; anything longer is garbage and is refused before decoding.
MAX_TOKEN_LENGTH = 4096

# Domain separation: the same secret may sign other things elsewhere.
_CONTEXT = b"snapfeed-upload-v1."
_TOKEN_RE = re.compile(r"([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)")


class InvalidUpload(Exception):
    """An upload is refused; `status` is the HTTP status to answer with."""

    def __init__(self, reason: str, *, status: int = 403) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class UploadGrant:
    key: str
    content_type: str
    byte_size: int
    expires_at: int


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, payload: str) -> str:
    digest = hmac.new(secret, _CONTEXT + payload.encode("ascii"), hashlib.sha256).digest()
    return _b64encode(digest)


def sign_upload(
    secret: bytes, *, key: str, content_type: str, byte_size: int, expires_at: int
) -> str:
    if not secret:
        raise ValueError("an empty secret signs nothing")
    if byte_size < 0:
        raise ValueError("byte_size must not be negative")
    body = {"k": key, "t": content_type, "n": byte_size, "e": expires_at}
    payload = _b64encode(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    token = f"{payload}.{_mac(secret, payload)}"
    if len(token) > MAX_TOKEN_LENGTH:
        raise ValueError("key or content type too long for an upload token")
    return token


def verify_upload(secret: bytes, token: str, *, now: int) -> UploadGrant:
    if not secret:
        raise ValueError("an empty secret verifies nothing")
    if len(token) > MAX_TOKEN_LENGTH:
        raise InvalidUpload("malformed token")
    match = _TOKEN_RE.fullmatch(token)
    if match is None:
        raise InvalidUpload("malformed token")
    payload, signature = match.groups()
    # Compare the canonical encoding, not decoded bytes: base64 has spare bits in its last
    # character, so two different signature strings could otherwise decode alike.
    if not hmac.compare_digest(_mac(secret, payload).encode(), signature.encode()):
        raise InvalidUpload("bad signature")
    grant = _parse(payload)
    if now >= grant.expires_at:
        raise InvalidUpload("expired")
    return grant


def _parse(payload: str) -> UploadGrant:
    try:
        body: Any = json.loads(_b64decode(payload))
    except (binascii.Error, ValueError) as exc:
        raise InvalidUpload("malformed token") from exc
    if not isinstance(body, dict) or set(body) != {"k", "t", "n", "e"}:
        raise InvalidUpload("malformed token")
    key, content_type, size, expires = body["k"], body["t"], body["n"], body["e"]
    # bool is an int subclass; a signed payload never holds one, but be exact anyway.
    if (
        not isinstance(key, str)
        or not isinstance(content_type, str)
        or type(size) is not int
        or type(expires) is not int
    ):
        raise InvalidUpload("malformed token")
    return UploadGrant(key=key, content_type=content_type, byte_size=size, expires_at=expires)
