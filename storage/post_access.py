"""A post with what deciding its visibility needs (author, the viewer's relation), in one query."""

from __future__ import annotations

from dataclasses import dataclass, fields

from storage import visibility
from storage.posts import COLUMNS as POST_COLUMNS
from storage.posts import PostRow
from storage.types import Executor
from storage.users import UserRow
from storage.visibility import Relation

_AUTHOR_FIELDS = tuple(f.name for f in fields(UserRow))
# Prefixed: posts and users share column names (id, created_at).
_AUTHOR_COLUMNS = ", ".join(f"u.{name} AS author_{name}" for name in _AUTHOR_FIELDS)


@dataclass(frozen=True)
class PostAccess:
    post: PostRow
    author: UserRow
    relation: Relation  # the viewer's relation to the author

    @property
    def viewer_state(self) -> str | None:
        return self.relation.follow_state


async def load(db: Executor, post_id: int, viewer_id: int | None) -> PostAccess | None:
    """None when the post is missing or deleted."""
    record = await db.fetchrow(
        f"""
        SELECT {POST_COLUMNS}, {_AUTHOR_COLUMNS},
               (SELECT f.state FROM follows f
                WHERE f.follower_id = $2 AND f.followee_id = p.author_id) AS viewer_state,
               {visibility.relation_columns(viewer="$2", owner="p.author_id")}
        FROM posts p JOIN users u ON u.id = p.author_id
        WHERE p.id = $1 AND p.deleted_at IS NULL
        """,
        post_id,
        viewer_id,
    )
    if record is None:
        return None
    author = UserRow.from_record({name: record[f"author_{name}"] for name in _AUTHOR_FIELDS})
    relation = visibility.relation_from(
        record,
        viewer_id=viewer_id,
        owner_id=author.id,
        owner_private=author.is_private,
        follow_state=record["viewer_state"],
    )
    return PostAccess(post=PostRow.from_record(record), author=author, relation=relation)
