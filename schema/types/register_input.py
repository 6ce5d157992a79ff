from __future__ import annotations

import strawberry


@strawberry.input
class RegisterInput:
    username: str
    password: str
    display_name: str | None = None
