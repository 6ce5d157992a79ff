"""Pure rules of the HTTP transport: media type negotiation, status, cache headers, CORS
origins, persisted query hashes and trusted document files."""

from __future__ import annotations

import json
from typing import Any

import pytest

from resolvers.documents import requested_hash, sha256_hex
from resolvers.errors import AppError
from server import cors, graphql_http
from server.documents_cli import DocumentFileError, parse_file

MODERN = graphql_http.GRAPHQL_RESPONSE_JSON
LEGACY = graphql_http.JSON


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, LEGACY),
        ("", LEGACY),
        ("*/*", LEGACY),
        ("application/*", LEGACY),
        ("application/json", LEGACY),
        (MODERN, MODERN),
        (f"{MODERN}; charset=utf-8", MODERN),
        (f"{MODERN}, application/json;q=0.9", MODERN),  # what current clients send
        (f"application/json, {MODERN}", MODERN),  # both named alike: the modern one
        (f"{MODERN};q=0.5, application/json", LEGACY),
        (f"{MODERN}, */*;q=0.1", MODERN),
        (f"application/json;q=0, {MODERN}", MODERN),
        (f"{MODERN};q=0, */*", LEGACY),
        ("text/html", LEGACY),  # nothing acceptable: the default
        ("APPLICATION/GRAPHQL-RESPONSE+JSON", MODERN),
        (f"{MODERN};q=oops, application/json", LEGACY),
    ],
)
def test_negotiate(accept: str | None, media_type: str) -> None:
    assert graphql_http.negotiate(accept) == media_type


def _error(code: str, path: list[Any] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": "m", "extensions": {"code": code}}
    if path is not None:
        error["path"] = path
    return error


@pytest.mark.parametrize(
    ("body", "modern_status", "request_error"),
    [
        ({"data": {"a": 1}}, 200, False),
        ({"data": None, "errors": [_error("UNAUTHENTICATED", ["feed"])]}, 200, False),
        ({"data": {"a": None}, "errors": [_error("INTERNAL", ["a"])]}, 200, False),
        ({"errors": [_error("BAD_USER_INPUT")]}, 400, True),
        ({"data": None, "errors": [_error("QUERY_TOO_COMPLEX")]}, 400, True),
        ({"errors": [_error("PERSISTED_QUERY_NOT_FOUND")]}, 404, True),
        ({"errors": [_error("FORBIDDEN")]}, 403, True),
        ({"errors": [_error("INTERNAL")]}, 500, True),
        ({"errors": [{"message": "no code"}]}, 400, True),
    ],
)
def test_status_for(body: dict[str, Any], modern_status: int, request_error: bool) -> None:
    assert graphql_http.is_request_error(body) is request_error
    assert graphql_http.status_for(body, MODERN) == modern_status
    assert graphql_http.status_for(body, LEGACY) == 200


@pytest.mark.parametrize(
    ("method", "signed_in", "body", "seconds", "header"),
    [
        ("POST", False, {"data": {}}, 30, None),
        ("POST", True, {"data": {}}, 30, None),
        ("GET", False, {"data": {}}, 30, "public, max-age=30"),
        ("GET", False, {"data": {}}, 0, "no-store"),
        ("GET", False, {"data": None, "errors": [_error("RATE_LIMITED", ["x"])]}, 30, "no-store"),
        ("GET", True, {"data": {}}, 30, "private, no-store"),
        ("GET", True, {"errors": [_error("BAD_USER_INPUT")]}, 30, "private, no-store"),
    ],
)
def test_cache_control(
    method: str, signed_in: bool, body: dict[str, Any], seconds: int, header: str | None
) -> None:
    assert (
        graphql_http.cache_control(
            method=method, signed_in=signed_in, body=body, public_seconds=seconds
        )
        == header
    )


@pytest.mark.parametrize(
    ("origin", "allowed", "ok"),
    [
        ("https://app.example", ["https://app.example"], True),
        ("https://app.example:443", ["https://app.example"], True),
        ("https://APP.example", ["https://app.example"], True),
        ("https://app.example", ["https://app.example/"], True),
        ("http://app.example", ["https://app.example"], False),  # another scheme
        ("https://app.example:8443", ["https://app.example"], False),  # another port
        ("https://evil.app.example", ["https://app.example"], False),
        ("https://app.example.evil", ["https://app.example"], False),
        ("http://localhost:5173", ["http://localhost:*"], True),
        ("http://localhost", ["http://localhost:*"], True),
        ("http://127.0.0.1:3000", ["http://localhost:*", "http://127.0.0.1:*"], True),
        ("https://localhost:5173", ["http://localhost:*"], False),
        ("http://localhost.evil:80", ["http://localhost:*"], False),
        ("null", ["http://localhost:*"], False),
        ("null", ["*"], False),
        ("https://anything.example", ["*"], True),
        ("http://localhost:*", ["http://localhost:*"], False),  # a pattern is no origin
        ("https://app.example", [], False),
    ],
)
def test_origin_allowed(origin: str, allowed: list[str], ok: bool) -> None:
    assert cors.origin_allowed(origin, allowed) is ok


@pytest.mark.parametrize(
    ("patterns", "invalid"),
    [
        (["https://a.example", "http://localhost:*", "*"], []),
        (["a.example", "https://a.example/path", "ftp://a.example", "https://a:b"], 4),
    ],
)
def test_invalid_origin_patterns(patterns: list[str], invalid: list[str] | int) -> None:
    found = cors.invalid_patterns(patterns)
    assert (len(found) if isinstance(invalid, int) else found) == invalid


HASH = sha256_hex("{ __typename }")


@pytest.mark.parametrize(
    ("extensions", "expected"),
    [
        (None, None),
        ({}, None),
        ({"other": 1}, None),
        ({"persistedQuery": {"version": 1, "sha256Hash": HASH}}, HASH),
        ({"persistedQuery": {"version": 1, "sha256Hash": HASH.upper()}}, HASH),
        ({"persistedQuery": {"version": 2, "sha256Hash": HASH}}, AppError),
        ({"persistedQuery": {"sha256Hash": HASH}}, AppError),
        ({"persistedQuery": {"version": 1, "sha256Hash": HASH[:-1]}}, AppError),
        ({"persistedQuery": {"version": 1, "sha256Hash": 42}}, AppError),
        ({"persistedQuery": "yes"}, AppError),
    ],
)
def test_requested_hash(extensions: dict[str, Any] | None, expected: Any) -> None:
    if expected is AppError:
        with pytest.raises(AppError) as refused:
            requested_hash(extensions)
        assert refused.value.code == "BAD_USER_INPUT"
    else:
        assert requested_hash(extensions) == expected


QUERY = "query Me { viewer { id } }"
OTHER = 'query Them { user(username: "x") { id } }'


@pytest.mark.parametrize(
    ("name", "text", "bodies"),
    [
        ("me.graphql", QUERY, [QUERY]),
        ("me.gql", QUERY + "\n", [QUERY + "\n"]),  # the exact text, as clients send it
        (
            "manifest.json",
            json.dumps(
                {
                    "format": "apollo-persisted-query-manifest",
                    "version": 1,
                    "operations": [
                        {"id": sha256_hex(QUERY), "name": "Me", "type": "query", "body": QUERY},
                        {"id": sha256_hex(OTHER), "name": "Them", "type": "query", "body": OTHER},
                    ],
                }
            ),
            [QUERY, OTHER],
        ),
        ("relay.json", json.dumps({sha256_hex(QUERY): QUERY}), [QUERY]),
        ("bad.json", "{", DocumentFileError),
        ("md5.json", json.dumps({"0cc175b9c0f1b6a831c399e269772661": QUERY}), DocumentFileError),
        (
            "wrong.json",
            json.dumps({"operations": [{"id": HASH, "body": QUERY}]}),
            DocumentFileError,
        ),
        ("list.json", json.dumps([QUERY]), DocumentFileError),
        ("empty.graphql", "  \n", DocumentFileError),
    ],
)
def test_document_files(name: str, text: str, bodies: Any) -> None:
    if bodies is DocumentFileError:
        with pytest.raises(DocumentFileError):
            parse_file(name, text)
        return
    found = parse_file(name, text)
    assert [d.body for d in found] == bodies
    assert [d.sha256 for d in found] == [sha256_hex(b) for b in bodies]
