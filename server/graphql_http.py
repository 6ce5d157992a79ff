"""GraphQL over HTTP: which media type answers, with which status and cache headers.

The rules of the GraphQL-over-HTTP spec, as plain functions of the request's headers and
the response body. `application/graphql-response+json` (asked for by current clients) lets
the status tell a request error (parse, validation, variables, an unknown persisted query:
nothing ran, and the body has no `data`) from an executed operation; under the legacy
`application/json` every well-formed request is answered 200 and only the body tells.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"

# Status of a request error under application/graphql-response+json, by its code.
_REQUEST_ERROR_STATUS = {
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "PERSISTED_QUERY_NOT_FOUND": 404,
    "NOT_FOUND": 404,
    "PAYLOAD_TOO_LARGE": 413,
    "RATE_LIMITED": 429,
    "INTERNAL": 500,
}


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((media, q))
    return ranges


def _quality(media_type: str, ranges: Sequence[tuple[str, float]]) -> tuple[float, int]:
    """(q, how specifically it was named: 2 exactly, 1 as type/*, 0 as */*) of one type."""
    kind = media_type.split("/", 1)[0]
    best: tuple[float, int] = (0.0, -1)
    for media, q in ranges:
        if media == media_type:
            specific = 2
        elif media == f"{kind}/*":
            specific = 1
        elif media == "*/*":
            specific = 0
        else:
            continue
        if specific > best[1]:
            best = (q, specific)
    return best if best[1] >= 0 else (0.0, -1)


def negotiate(accept: str | None) -> str:
    """The media type of the answer. No Accept, `*/*` alone, or nothing acceptable:
    application/json (the spec's default for legacy clients)."""
    if not accept:
        return JSON
    ranges = _media_ranges(accept)
    modern = _quality(GRAPHQL_RESPONSE_JSON, ranges)
    legacy = _quality(JSON, ranges)
    if modern[0] <= 0:
        return JSON
    if legacy[0] <= 0:
        return GRAPHQL_RESPONSE_JSON
    # Both acceptable: the higher q wins, then the one named more precisely, then (named
    # alike) the modern type when both were named exactly, JSON when only by wildcard.
    if modern != legacy:
        return GRAPHQL_RESPONSE_JSON if modern > legacy else JSON
    return GRAPHQL_RESPONSE_JSON if modern[1] == 2 else JSON


def content_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8" if media_type == GRAPHQL_RESPONSE_JSON else media_type


def is_request_error(body: Mapping[str, Any]) -> bool:
    """Errors and no data from before execution: every error has no path."""
    errors = body.get("errors")
    if not errors or body.get("data") is not None:
        return False
    return all(isinstance(e, Mapping) and not e.get("path") for e in errors)


def _first_code(body: Mapping[str, Any]) -> str | None:
    for error in body.get("errors") or ():
        code = (error.get("extensions") or {}).get("code") if isinstance(error, Mapping) else None
        if isinstance(code, str):
            return code
    return None


def status_for(body: Mapping[str, Any], media_type: str) -> int:
    """HTTP status of a GraphQL response body (one that reached GraphQL at all)."""
    if media_type != GRAPHQL_RESPONSE_JSON or not is_request_error(body):
        return 200
    return _REQUEST_ERROR_STATUS.get(_first_code(body) or "", 400)


def cache_control(
    *, method: str, signed_in: bool, body: Mapping[str, Any], public_seconds: int
) -> str | None:
    """GET queries without a token and without errors are public data: a CDN may keep them
    for `public_seconds`. Anything signed in is for that viewer alone."""
    if method != "GET":
        return None
    if signed_in:
        return "private, no-store"
    if body.get("errors") or public_seconds <= 0:
        return "no-store"
    return f"public, max-age={public_seconds}"
