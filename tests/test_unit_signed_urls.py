from __future__ import annotations

import base64
import json
from collections.abc import Callable

import pytest

from storage.objects import signed_urls
from storage.objects.signed_urls import (
    MAX_TOKEN_LENGTH,
    InvalidUpload,
    UploadGrant,
    sign_upload,
    verify_upload,
)

SECRET = b"s" * 32
NOW = 1_700_000_000
GRANT = UploadGrant(
    key="originals/42", content_type="image/jpeg", byte_size=1234, expires_at=NOW + 600
)


def _token(grant: UploadGrant = GRANT, secret: bytes = SECRET) -> str:
    return sign_upload(
        secret,
        key=grant.key,
        content_type=grant.content_type,
        byte_size=grant.byte_size,
        expires_at=grant.expires_at,
    )


def _flip(text: str, index: int) -> str:
    """One base64url character replaced by another one."""
    replacement = "A" if text[index] != "A" else "B"
    return text[:index] + replacement + text[index + 1 :]


def _reencoded(body: dict[str, object]) -> str:
    """A payload with different content but the original signature."""
    payload = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    return f"{payload}.{_token().split('.')[1]}"


@pytest.mark.parametrize(
    ("grant", "now"),
    [
        (GRANT, NOW),
        (GRANT, GRANT.expires_at - 1),
        (UploadGrant("originals/1", "image/png", 0, NOW + 1), NOW),
        (UploadGrant("originals/7", 'video/mp4; codecs="avc1"', 10**12, NOW + 60), NOW),
        (UploadGrant("originals/é ü", "image/heic", 5, NOW + 60), NOW),
    ],
    ids=["fresh", "last-second", "empty-body", "content-type-params", "non-ascii-key"],
)
def test_round_trip(grant: UploadGrant, now: int) -> None:
    assert verify_upload(SECRET, _token(grant), now=now) == grant


@pytest.mark.parametrize(
    ("make_token", "now", "reason"),
    [
        (_token, GRANT.expires_at, "expired"),
        (_token, GRANT.expires_at + 3600, "expired"),
        (lambda: _flip(_token(), 0), NOW, "bad signature"),
        (lambda: _flip(_token(), 10), NOW, "bad signature"),
        (lambda: _flip(_token(), _token().index(".") - 1), NOW, "bad signature"),
        (lambda: _flip(_token(), _token().index(".") + 1), NOW, "bad signature"),
        # The last character of the signature has spare bits: must still be refused.
        (lambda: _flip(_token(), len(_token()) - 1), NOW, "bad signature"),
        (lambda: _token()[:-1], NOW, "bad signature"),
        (lambda: _token() + "A", NOW, "bad signature"),
        (lambda: _token(secret=b"another secret"), NOW, "bad signature"),
        (
            lambda: _reencoded({"k": "originals/43", "t": "image/jpeg", "n": 1234, "e": 0}),
            NOW,
            "bad signature",
        ),
        (lambda: "", NOW, "malformed token"),
        (lambda: "garbage", NOW, "malformed token"),
        (lambda: "a.b.c", NOW, "malformed token"),
        (lambda: ".", NOW, "malformed token"),
        (lambda: _token().replace(".", ""), NOW, "malformed token"),
        (lambda: _token() + "=", NOW, "malformed token"),
        (lambda: _token().replace(".", ".!"), NOW, "malformed token"),
        (lambda: " " + _token(), NOW, "malformed token"),
        (lambda: "é" + _token(), NOW, "malformed token"),
        (lambda: _token() + "\n", NOW, "malformed token"),
        (lambda: "A" * (MAX_TOKEN_LENGTH + 1), NOW, "malformed token"),
        (lambda: _token() + "A" * MAX_TOKEN_LENGTH, NOW, "malformed token"),
    ],
    ids=[
        "expired-exactly",
        "expired-long-ago",
        "payload-first-char",
        "payload-middle-char",
        "payload-last-char",
        "signature-first-char",
        "signature-last-char",
        "signature-truncated",
        "signature-extended",
        "other-secret",
        "payload-swapped",
        "empty",
        "no-dot",
        "two-dots",
        "only-dot",
        "dot-removed",
        "padding",
        "non-alphabet",
        "leading-space",
        "non-ascii",
        "trailing-newline",
        "over-long-garbage",
        "over-long-valid-prefix",
    ],
)
def test_refused(make_token: Callable[[], str], now: int, reason: str) -> None:
    with pytest.raises(InvalidUpload) as caught:
        verify_upload(SECRET, make_token(), now=now)
    assert caught.value.reason == reason
    assert caught.value.status == 403


def test_signed_payload_that_is_not_a_grant_is_malformed() -> None:
    # Only reachable with the secret, but verification must not crash on it.
    payload = base64.urlsafe_b64encode(b'["not", "a", "grant"]').rstrip(b"=").decode()
    token = f"{payload}.{signed_urls._mac(SECRET, payload)}"
    with pytest.raises(InvalidUpload, match="malformed"):
        verify_upload(SECRET, token, now=NOW)


@pytest.mark.parametrize(
    ("key", "byte_size", "message"),
    [("k" * MAX_TOKEN_LENGTH, 1, "too long"), ("originals/1", -1, "negative")],
    ids=["huge-key", "negative-size"],
)
def test_sign_refuses(key: str, byte_size: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        sign_upload(SECRET, key=key, content_type="image/png", byte_size=byte_size, expires_at=NOW)


def test_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="empty secret"):
        _token(secret=b"")
    with pytest.raises(ValueError, match="empty secret"):
        verify_upload(b"", _token(), now=NOW)


def test_token_is_url_safe() -> None:
    token = _token(UploadGrant("originals/1", 'video/mp4; codecs="avc1"', 10**12, NOW + 1))
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
