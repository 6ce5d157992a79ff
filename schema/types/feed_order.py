from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum
class FeedOrder(Enum):
    CHRONOLOGICAL = "CHRONOLOGICAL"  # newest first
    RANKED = "RANKED"  # best first for the viewer, with about 1 in 10 posts suggested
