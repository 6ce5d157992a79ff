from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Why a post is in the home feed.")
class FeedReason(Enum):
    FOLLOWING = "FOLLOWING"  # by someone the viewer follows (or the viewer)
    SUGGESTED = "SUGGESTED"  # discovery: liked by people the viewer follows, or friends of friends
