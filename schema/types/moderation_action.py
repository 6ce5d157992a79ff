from __future__ import annotations

from enum import Enum

import strawberry

from resolvers.moderation import Action


@strawberry.enum
class ModerationAction(Enum):
    REMOVE = "REMOVE"  # hidden from all but its author, who sees REMOVED and the note
    RESTORE = "RESTORE"  # PUBLISHED again
    DISMISS = "DISMISS"  # the reports are closed; a FLAGGED post is PUBLISHED again

    def to_domain(self) -> Action:
        return Action(self.value.lower())
