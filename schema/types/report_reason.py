from __future__ import annotations

from enum import Enum

import strawberry

from resolvers.moderation import Reason


@strawberry.enum
class ReportReason(Enum):
    SPAM = "SPAM"
    NUDITY = "NUDITY"
    VIOLENCE = "VIOLENCE"
    HARASSMENT = "HARASSMENT"
    HATE = "HATE"
    MISINFORMATION = "MISINFORMATION"
    OTHER = "OTHER"

    def to_domain(self) -> Reason:
        return Reason(self.value.lower())
