from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum
class MediaStatus(Enum):
    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    READY = "READY"
    FAILED = "FAILED"
