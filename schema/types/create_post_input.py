from __future__ import annotations

import strawberry

from schema.types.media_edit_input import MediaEditInput
from schema.types.place_input import PlaceInput


@strawberry.input
class CreatePostInput:
    media_ids: list[strawberry.ID]
    caption: str | None = None
    location: str | None = None
    place: PlaceInput | None = strawberry.field(
        default=None, description="Without `location`, its name is the post's location."
    )
    edits: list[MediaEditInput] | None = strawberry.field(
        default=None, description="At most one per media id."
    )
    idempotency_key: str | None = None
