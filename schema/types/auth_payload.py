from __future__ import annotations

import strawberry

from schema.types.user import User


@strawberry.type
class AuthPayload:
    token: str
    user: User
