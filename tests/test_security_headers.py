"""Browser-facing answers: never type-sniffed, never framed; media only as what they are."""

from __future__ import annotations

import httpx
import pytest

from resolvers.deps import Deps
from server.media_routes import served_type
from storage.objects.local import LocalObjectStore

KEY = "media/7/0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    ("method", "path", "headers", "body"),
    [
        ("POST", "/graphql", {"content-type": "application/json"}, b'{"query": "{ __typename }"}'),
        ("POST", "/graphql", {"content-type": "application/json"}, b"{broken"),
        ("GET", "/graphql", {"accept": "text/html"}, b""),
        ("GET", "/healthz", {}, b""),
        ("GET", "/media/1/nothing.webp", {}, b""),
        ("PUT", "/uploads/not-a-token", {"content-type": "image/jpeg"}, b"x"),
        ("GET", "/static/vendor/react@18.2.0/umd/react.production.min.js", {}, b""),
        ("POST", "/graphql", {"content-type": "application/json", "content-length": "9" * 12}, b""),
        (
            "OPTIONS",
            "/graphql",
            {"origin": "https://evil.example", "access-control-request-method": "POST"},
            b"",
        ),
    ],
)
async def test_every_answer_is_nosniff_and_unframeable(
    http: httpx.AsyncClient, method: str, path: str, headers: dict[str, str], body: bytes
) -> None:
    response = await http.request(method, path, headers=headers, content=body)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize(
    ("key", "written", "served"),
    [
        (f"{KEY}/feed.webp", "image/webp", "image/webp"),
        (f"{KEY}/feed.WEBP", "image/webp", "image/webp"),
        (f"{KEY}/video.mp4", "video/mp4", "video/mp4"),
        (f"{KEY}/poster.jpg", "image/jpeg", "image/jpeg"),
        (f"{KEY}/feed.webp", None, "image/webp"),  # written without a type: its name's
        (f"{KEY}/feed.webp", "text/html", None),  # a type that is not its name's
        (f"{KEY}/feed.webp", "image/svg+xml", None),
        (f"{KEY}/page.html", "text/html", None),  # not a variant at all
        (f"{KEY}/drawing.svg", "image/svg+xml", None),
        (f"{KEY}/feed", "image/webp", None),
        ("media/7.webp/feed", "image/webp", None),
    ],
)
def test_media_are_served_only_as_their_real_type(
    key: str, written: str | None, served: str | None
) -> None:
    assert served_type(key, written) == served


async def test_a_media_file_of_another_type_is_not_served(
    http: httpx.AsyncClient, deps: Deps
) -> None:
    store = deps.objects
    assert isinstance(store, LocalObjectStore)
    await store.put(f"{KEY}/feed.webp", b"RIFF....WEBP", content_type="image/webp")
    await store.put(f"{KEY}/evil.webp", b"<script>alert(1)</script>", content_type="text/html")
    await store.put(f"{KEY}/evil.html", b"<script>alert(1)</script>", content_type="text/html")
    good = await http.get(f"/{KEY}/feed.webp")
    assert good.status_code == 200
    assert good.headers["content-type"] == "image/webp"
    assert good.headers["x-content-type-options"] == "nosniff"
    assert good.headers["content-security-policy"] == "default-src 'none'; sandbox"
    for name in ("evil.webp", "evil.html"):
        assert (await http.get(f"/{KEY}/{name}")).status_code == 404
