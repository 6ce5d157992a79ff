"""Domain errors. Each carries one of the contract's `extensions.code` values."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    CONFLICT = "CONFLICT"
    RATE_LIMITED = "RATE_LIMITED"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    INTERNAL = "INTERNAL"
    # Apollo's automatic persisted queries protocol: clients match on it to send the text.
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"


class AppError(Exception):
    """An error whose message is safe to show to the client."""

    def __init__(self, code: ErrorCode, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extensions = extensions


def bad_input(message: str, *, field: str | None = None) -> AppError:
    return AppError(ErrorCode.BAD_USER_INPUT, message, **({"field": field} if field else {}))


def not_found(what: str) -> AppError:
    return AppError(ErrorCode.NOT_FOUND, f"{what} not found")


def unauthenticated() -> AppError:
    return AppError(ErrorCode.UNAUTHENTICATED, "Sign in to do this")


def rate_limited(retry_after: int) -> AppError:
    return AppError(
        ErrorCode.RATE_LIMITED,
        f"Too many attempts; try again in {retry_after} seconds",
        retryAfter=retry_after,
    )
