from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum
class MediaKind(Enum):
    PHOTO = "PHOTO"
    VIDEO = "VIDEO"
