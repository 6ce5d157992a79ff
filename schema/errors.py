"""Turns every error into one the contract allows: a code, a safe message, no internals."""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError

from resolvers.errors import AppError, ErrorCode

logger = logging.getLogger("snapfeed.errors")

# Strawberry's limiters report through plain validation/syntax errors with these wordings.
_LIMIT_MARKERS = (
    "exceeds maximum operation depth",  # QueryDepthLimiter
    "aliases found. Allowed:",  # MaxAliasesLimiter
    "tokens. Parsing aborted",  # MaxTokensLimiter (graphql-core's parser)
)


def classify(error: GraphQLError) -> tuple[ErrorCode, str, dict[str, Any]]:
    """(code, client-safe message, extra extensions) for one error."""
    original = error.original_error
    if isinstance(original, AppError):
        return original.code, original.message, dict(original.extensions)
    if any(marker in error.message for marker in _LIMIT_MARKERS):
        return ErrorCode.QUERY_TOO_COMPLEX, error.message, {}
    # Without a path the error comes from parsing, validation or variable coercion:
    # all about the request, and graphql-core's messages name no internals.
    if error.path is None and (
        original is None or isinstance(original, GraphQLError | ValueError | TypeError)
    ):
        return ErrorCode.BAD_USER_INPUT, error.message, {}
    return ErrorCode.INTERNAL, "Internal server error", {}


def log_unexpected(errors: list[GraphQLError], request_id: str) -> None:
    for error in errors:
        if classify(error)[0] is ErrorCode.INTERNAL:
            logger.error(
                "unexpected error in %s (request %s)",
                ".".join(map(str, error.path or [])) or "operation",
                request_id,
                exc_info=error.original_error or error,
            )


def format_error(error: GraphQLError, request_id: str) -> GraphQLError:
    code, message, extensions = classify(error)
    if code is ErrorCode.INTERNAL:
        message = f"{message} (request id {request_id})"
        extensions["requestId"] = request_id
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions={"code": code.value, **extensions},
    )


def format_result(result: Any, request_id: str) -> None:
    """Rewrite a result's errors in place (results of execute and of stream alike)."""
    errors = getattr(result, "errors", None)
    if errors:
        result.errors = [format_error(e, request_id) for e in errors]
        for error in errors:
            _drop_traceback(error)


def _drop_traceback(error: BaseException) -> None:
    """Once logged and replaced, an error's traceback only keeps its frames alive, and they
    refer back to it (a reference cycle holding the request's objects until the cycle
    collector runs)."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        current.__traceback__ = None
        pending += [current.__cause__, current.__context__]
        if isinstance(current, GraphQLError):
            pending.append(current.original_error)
