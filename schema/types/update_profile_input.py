from __future__ import annotations

import strawberry


@strawberry.input(description="Fields left out stay as they are; null clears a text field.")
class UpdateProfileInput:
    display_name: str | None = strawberry.UNSET
    bio: str | None = strawberry.UNSET
    is_private: bool | None = strawberry.UNSET
