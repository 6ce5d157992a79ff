"""A post with what deciding its visibility needs (author, viewer's follow state), in one query."""

from __future__ import annotations

from dataclasses import dataclass, fields

from storage.posts import COLUMNS as POST_COLUMNS
from storage.posts import PostRow
from storage.types import Executor
from storage.users import UserRow

_AUTHOR_FIELDS = tuple(f.name for f in fields(UserRow))
# Prefixed: posts and users share column names (id, created_at).
_AUTHOR_COLUMNS = ", ".join(f"u.{name} AS author_{name}" for name in _AUTHOR_FIELDS)


@dataclass(frozen=True)
class PostAccess:
    post: PostRow
    author: UserRow
    viewer_state: str | None  # the viewer's follow state towards the author


async def load(db: Executor, post_id: int, viewer_id: int | None) -> PostAccess | None:
    """None when the post is missing or deleted."""
    record = await db.fetchrow(
        f"""
        SELECT {POST_COLUMNS}, {_AUTHOR_COLUMNS},
               (SELECT f.state FROM follows f
                WHERE f.follower_id = $2 AND f.followee_id = p.author_id) AS viewer_state
        FROM posts p JOIN users u ON u.id = p.author_id
        WHERE p.id = $1 AND p.deleted_at IS NULL
        """,
        post_id,
        viewer_id,
    )
    if record is None:
        return None
    author = UserRow.from_record({name: record[f"author_{name}"] for name in _AUTHOR_FIELDS})
    return PostAccess(
        post=PostRow.from_record(record), author=author, viewer_state=record["viewer_state"]
    )
