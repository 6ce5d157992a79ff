from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum
class PostStatus(Enum):
    PROCESSING = "PROCESSING"
    PUBLISHED = "PUBLISHED"
    FAILED = "FAILED"
    FLAGGED = "FLAGGED"  # reported: out of discovery; its followers still see it (as PUBLISHED)
    REMOVED = "REMOVED"  # by a moderator: only its author (and moderators) see it
