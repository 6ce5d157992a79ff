from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum
class PostStatus(Enum):
    PROCESSING = "PROCESSING"
    PUBLISHED = "PUBLISHED"
    FAILED = "FAILED"
