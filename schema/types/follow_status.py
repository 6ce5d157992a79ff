from __future__ import annotations

from enum import Enum

import strawberry

from resolvers.graph import Relation


@strawberry.enum
class FollowStatus(Enum):
    FOLLOWING = "FOLLOWING"
    REQUESTED = "REQUESTED"
    NOT_FOLLOWING = "NOT_FOLLOWING"

    @classmethod
    def from_relation(cls, relation: Relation) -> FollowStatus:
        return cls(relation.value)
