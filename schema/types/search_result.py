from __future__ import annotations

import strawberry

from schema.types.hashtag import Hashtag
from schema.types.place import Place
from schema.types.user import User


@strawberry.type
class SearchResult:
    users: list[User] = strawberry.field(description="Username prefix match, case-insensitive.")
    hashtags: list[Hashtag] = strawberry.field(description="Name prefix match.")
    places: list[Place] = strawberry.field(
        description="Name prefix match, case-insensitive, most used first."
    )
