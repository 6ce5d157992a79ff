from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum
class MediaSize(Enum):
    """150, 320, 640 and 1080 px wide (never wider than the original)."""

    THUMBNAIL = "THUMBNAIL"
    SMALL = "SMALL"
    FEED = "FEED"
    FULL = "FULL"
