from __future__ import annotations

import strawberry

from schema.types.follow_status import FollowStatus
from schema.types.user import User


@strawberry.type
class FollowPayload:
    user: User
    status: FollowStatus
