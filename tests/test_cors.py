"""CORS over HTTP from SNAPFEED_ALLOWED_ORIGINS, the list that guards WebSockets too."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import websockets

from server.cli import dev_origins

APP = "https://app.example"
EVIL = "https://evil.example"


def _preflight(
    origin: str, method: str = "POST", headers: str = "authorization, content-type"
) -> dict[str, str]:
    return {
        "origin": origin,
        "access-control-request-method": method,
        "access-control-request-headers": headers,
    }


@pytest.fixture(autouse=True)
def allow_app(tune: Callable[..., None]) -> None:
    tune(allowed_origins=(APP, "http://localhost:*"))


@pytest.mark.parametrize("path", ["/graphql", "/uploads/some-token", "/media/1/x/feed.webp"])
async def test_preflight_from_an_allowed_origin(http: httpx.AsyncClient, path: str) -> None:
    response = await http.options(path, headers=_preflight(APP, "PUT" if "up" in path else "POST"))
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == APP
    allowed_headers = response.headers["access-control-allow-headers"].split(", ")
    assert {"authorization", "content-type"} <= set(allowed_headers)
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "X-Request-ID" in response.headers["access-control-expose-headers"]
    assert "access-control-allow-credentials" not in response.headers  # tokens, not cookies
    assert int(response.headers["access-control-max-age"]) > 0


@pytest.mark.parametrize(
    "headers",
    [
        _preflight(EVIL),
        _preflight("null"),
        _preflight(APP.replace("https", "http")),
        _preflight(APP + ":8443"),
        _preflight(APP, headers="authorization, x-secret"),
        _preflight(APP, method="DELETE"),
    ],
    ids=["other", "null", "scheme", "port", "header", "method"],
)
async def test_other_preflights_are_refused(
    http: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await http.options("/graphql", headers=headers)
    assert response.status_code == 403
    assert "access-control-allow-origin" not in response.headers
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_answers_carry_cors_headers_for_allowed_origins_only(
    http: httpx.AsyncClient,
) -> None:
    query = {"query": "{ __typename }"}
    allowed = await http.post("/graphql", json=query, headers={"origin": APP})
    assert allowed.headers["access-control-allow-origin"] == APP
    assert "X-Request-ID" in allowed.headers["access-control-expose-headers"]
    assert "Origin" in allowed.headers["vary"]
    for origin in ("http://localhost:5173", "http://localhost"):
        dev = await http.get("/graphql", params=query, headers={"origin": origin})
        assert dev.headers["access-control-allow-origin"] == origin
    other = await http.post("/graphql", json=query, headers={"origin": EVIL})
    assert "access-control-allow-origin" not in other.headers
    # Errors refused before the view (a body too large) are readable by allowed pages too.
    too_large = await http.post(
        "/graphql", headers={"origin": APP, "content-length": str(2**40)}, content=b""
    )
    assert too_large.status_code == 413
    assert too_large.headers["access-control-allow-origin"] == APP


async def test_websockets_follow_the_same_list(live_url: str) -> None:
    for origin in (APP, "http://localhost:3000"):
        async with websockets.connect(
            f"ws://{live_url}/graphql",
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
            origin=origin,  # type: ignore[arg-type]
        ):
            pass
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(
            f"ws://{live_url}/graphql",
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
            origin="http://localhost.evil.example:3000",  # type: ignore[arg-type]
        )
    assert refused.value.response.status_code == 403


@pytest.mark.parametrize(
    ("configured", "dev"),
    [
        ((), ("http://localhost:*", "http://127.0.0.1:*")),
        ((APP,), (APP, "http://localhost:*", "http://127.0.0.1:*")),
        (("http://localhost:*",), ("http://localhost:*", "http://127.0.0.1:*")),
    ],
)
def test_dev_allows_local_web_apps(configured: tuple[str, ...], dev: tuple[str, ...]) -> None:
    assert dev_origins(configured) == dev
