"""GraphQL over HTTP as the soak's clients speak it: every call recorded as an Outcome."""

from __future__ import annotations

import io
import random
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from PIL import Image

from .ledger import OK, TRANSPORT, Outcome


@dataclass
class User:
    username: str
    token: str
    global_id: str
    client: int  # the one client that acts as this user (its acts are then in order)
    follows: set[str] = field(default_factory=set)  # global ids


class Recorder:
    """The run's clock and every outcome."""

    def __init__(self) -> None:
        self.t0 = time.monotonic()
        self.outcomes: list[Outcome] = []

    def now(self) -> float:
        return time.monotonic() - self.t0

    def record(self, kind: str, start: float, code: str) -> None:
        self.outcomes.append(Outcome(kind, start, self.now(), code))


@dataclass
class Answer:
    code: str
    data: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.code == OK

    @property
    def retryable(self) -> bool:
        """The server may not have acted: the same request may be sent again."""
        return self.code in ("INTERNAL", TRANSPORT, "RATE_LIMITED") or self.code.startswith(
            "HTTP 5"
        )


class Api:
    def __init__(self, url: str, recorder: Recorder) -> None:
        # The PostgreSQL connect timeout is 5 s: a request never needs longer to fail.
        self.http = httpx.AsyncClient(base_url=url, timeout=20)
        self.recorder = recorder

    async def close(self) -> None:
        await self.http.aclose()

    async def gql(
        self, kind: str, query: str, variables: dict[str, Any], token: str | None = None
    ) -> Answer:
        start = self.recorder.now()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = await self._post(query, variables, headers)
        self.recorder.record(kind, start, answer.code)
        return answer

    async def _post(self, query: str, variables: dict[str, Any], headers: dict[str, str]) -> Answer:
        try:
            response = await self.http.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
        except httpx.HTTPError:
            return Answer(TRANSPORT)
        if response.status_code >= 500:
            return Answer(f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            return Answer(f"HTTP {response.status_code}")
        errors = body.get("errors") if isinstance(body, dict) else None
        if errors:
            code = (errors[0].get("extensions") or {}).get("code") or "NO_CODE"
            return Answer(str(code))
        if response.status_code != 200:
            return Answer(f"HTTP {response.status_code}")
        return Answer(OK, body.get("data"))

    async def put(self, url: str, data: bytes, headers: dict[str, str]) -> Answer:
        start = self.recorder.now()
        try:
            response = await self.http.put(url, content=data, headers=headers)
            code = OK if response.status_code in (200, 201, 204) else f"HTTP {response.status_code}"
        except httpx.HTTPError:
            code = TRANSPORT
        self.recorder.record("upload.put", start, code)
        return Answer(code)


def photo(rnd: random.Random) -> bytes:
    """A small JPEG of its own: two random colours (so uploads rarely share bytes)."""
    image = Image.new("RGB", (96, 72), tuple(rnd.randrange(256) for _ in range(3)))
    image.paste(tuple(rnd.randrange(256) for _ in range(3)), (0, 0, 48, 72))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()
