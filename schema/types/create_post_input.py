from __future__ import annotations

import strawberry


@strawberry.input
class CreatePostInput:
    media_ids: list[strawberry.ID]
    caption: str | None = None
    location: str | None = None
    idempotency_key: str | None = None
