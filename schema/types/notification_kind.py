from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum
class NotificationKind(Enum):
    LIKE = "LIKE"  # folded per post while unread
    COMMENT = "COMMENT"  # folded per post while unread
    MENTION = "MENTION"  # in a caption or a comment
    FOLLOW = "FOLLOW"  # folded per day while unread
    FOLLOW_REQUEST = "FOLLOW_REQUEST"
    FOLLOW_ACCEPTED = "FOLLOW_ACCEPTED"
    POST_PUBLISHED = "POST_PUBLISHED"  # to the author, once processing is done
    POST_FAILED = "POST_FAILED"
    POST_REMOVED = "POST_REMOVED"  # by a moderator
