from __future__ import annotations

import strawberry

from schema.types.feed_reason import FeedReason
from schema.types.post import Post


@strawberry.type
class PostEdge:
    cursor: str
    node: Post
    reason: FeedReason | None = strawberry.field(
        default=None, description="Why the post is in the home feed; null elsewhere."
    )
