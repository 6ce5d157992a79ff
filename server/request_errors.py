"""Request-level errors: refusals before any GraphQL runs, rendered like GraphQL errors.

A body too large, unparsable JSON, an anonymous upload or a failure while authenticating
never reaches the schema, yet clients get the same shape as any other error:
`{"errors": [{"message": ..., "extensions": {"code": ...}}]}` with a fitting HTTP status.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.types import Send

from resolvers.errors import ErrorCode
from server import request_id

_CODES = {
    400: ErrorCode.BAD_USER_INPUT,
    401: ErrorCode.UNAUTHENTICATED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    429: ErrorCode.RATE_LIMITED,
}


class RequestError(Exception):
    """Refuse the request with this status, code and client-safe message."""

    def __init__(
        self,
        status: int,
        message: str,
        code: ErrorCode | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or code_for_status(status)
        self.headers = dict(headers or {})

    def response(self) -> Response:
        return error_response(self.status, self.code, self.message, headers=self.headers)

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.message)


def code_for_status(status: int) -> ErrorCode:
    if status >= 500:
        return ErrorCode.INTERNAL
    return _CODES.get(status, ErrorCode.BAD_USER_INPUT)


def error_body(code: ErrorCode, message: str, **extensions: Any) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code.value, **extensions}}]}


def error_response(
    status: int, code: ErrorCode, message: str, *, headers: Mapping[str, str] | None = None
) -> Response:
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


def internal_error_body() -> dict[str, Any]:
    """For an unexpected exception (logged by the caller): the request id, nothing else."""
    current = request_id.current.get()
    return error_body(
        ErrorCode.INTERNAL, f"Internal server error (request id {current})", requestId=current
    )


def internal_error() -> Response:
    return JSONResponse(internal_error_body(), status_code=500)


async def send_error(send: Send, error: RequestError) -> None:
    """The same response, sent from ASGI middleware (before any app has answered)."""
    body = json.dumps(error_body(error.code, error.message)).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in error.headers.items()),
    ]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
