from __future__ import annotations

import strawberry

from resolvers.graph import Relation

FollowStatus = strawberry.enum(Relation, name="FollowStatus")
