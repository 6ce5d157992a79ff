"""Comments. Each insert or delete, its counter shard and its notification events are one
statement."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import asyncpg

from storage import counters, notifications, users
from storage.types import Executor
from storage.users import UserRow
from storage.visibility import user_listed_sql


@dataclass(frozen=True)
class CommentRow:
    id: int
    post_id: int
    author_id: int
    body: str
    created_at: datetime

    @classmethod
    def from_record(cls, r: asyncpg.Record) -> CommentRow:
        return cls(**{name: r[name] for name in _FIELDS})


_FIELDS = ("id", "post_id", "author_id", "body", "created_at")
COLUMNS = ", ".join(f"c.{name}" for name in _FIELDS)


class PageKey(NamedTuple):
    """A page of one post's comments: ids above `after_id`, oldest first, at most `limit`."""

    post_id: int
    after_id: int | None
    limit: int


_TOLD = notifications.event_sql(
    "c",
    kind="comment",
    recipient="$5::bigint",
    actor="c.author_id",
    post="c.post_id",
    comment="c.id",
    where="$5::bigint IS NOT NULL",
)
_MENTIONED = notifications.event_sql(
    "c, unnest($6::bigint[]) AS m (id)",
    kind="mention",
    recipient="m.id",
    actor="c.author_id",
    post="c.post_id",
    comment="c.id",
)


async def insert(
    db: Executor,
    post_id: int,
    author_id: int,
    body: str,
    *,
    notify: int | None = None,
    mentioned: Sequence[int] = (),
) -> CommentRow | None:
    """The new comment, told to `notify` (the post's author) and to the `mentioned` users;
    None when the post was purged since it was checked."""
    try:
        record = await db.fetchrow(
            f"""
            WITH c AS (
                INSERT INTO comments (post_id, author_id, body) VALUES ($1, $2, $3)
                RETURNING *
            ), counted AS ({counters.add_to_shard("c", "comments", 1, "$4")}),
            told AS ({_TOLD}), mentioned AS ({_MENTIONED})
            SELECT {COLUMNS} FROM c
            """,
            post_id,
            author_id,
            body,
            counters.random_shard(),
            notify,
            list(mentioned),
        )
    except asyncpg.ForeignKeyViolationError:
        return None
    assert record is not None
    return CommentRow.from_record(record)


_UNTOLD = notifications.event_sql(
    "gone",
    kind="comment",
    recipient="$3::bigint",
    actor="author_id",
    post="post_id",
    comment="id",
    where="$3::bigint IS NOT NULL",
)


async def delete(db: Executor, comment_id: int, *, notify: int | None = None) -> bool:
    """Remove a comment (and it from `notify`'s notification; its mentions go with it);
    False when it was already gone (nothing counted then)."""
    deleted = await db.fetchval(
        f"""
        WITH gone AS (
            DELETE FROM comments WHERE id = $1 RETURNING id, post_id, author_id
        ), counted AS ({counters.add_to_shard("gone", "comments", -1, "$2")}),
        told AS ({_UNTOLD})
        SELECT count(*) FROM gone
        """,
        comment_id,
        counters.random_shard(),
        notify,
    )
    return bool(deleted)


async def by_ids(db: Executor, ids: Sequence[int]) -> list[CommentRow]:
    records = await db.fetch(
        f"SELECT {COLUMNS} FROM comments c WHERE c.id = ANY($1::bigint[])", list(ids)
    )
    return [CommentRow.from_record(r) for r in records]


_AUTHOR_AT = 1 + len(_FIELDS)  # after `ord` and the comment's columns


def _pages_sql(keys: str) -> str:
    return f"""
SELECT k.ord, {COLUMNS}, {users.AUTHOR_COLUMNS}
FROM {keys}
CROSS JOIN LATERAL (
    SELECT * FROM comments c
    WHERE c.post_id = k.post_id AND (k.after_id IS NULL OR c.id > k.after_id)
      AND {user_listed_sql(viewer="$4::bigint", user="c.author_id")}
    ORDER BY c.id LIMIT k.lim
) c
JOIN users u ON u.id = c.author_id
ORDER BY k.ord, c.id
"""


# All three arrays are bigint[]: each new array type costs asyncpg a type-introspection
# round trip on every fresh connection, and bigint[] is the one all queries share.
_PAGES = _pages_sql(
    "unnest($1::bigint[], $2::bigint[], $3::bigint[]) WITH ORDINALITY"
    " AS k (post_id, after_id, lim, ord)"
)
# One post's page (`post { comments }`) has its own statement: given one-element arrays,
# PostgreSQL never settles on a generic plan and plans the statement on every call (as
# storage/post_cards.py's single card).
_PAGE = _pages_sql(
    "(VALUES ($1::bigint, $2::bigint, $3::bigint, 1::bigint)) AS k (post_id, after_id, lim, ord)"
)

AuthoredComment = tuple[CommentRow, UserRow]


async def pages(
    db: Executor, keys: Sequence[PageKey], viewer_id: int | None
) -> list[list[AuthoredComment]]:
    """Every requested page in one query, in key order (ids are time-sortable snowflakes),
    without the comments of users blocked either way with the viewer; each comment with its
    author (read with it: a page of comments always shows who wrote each)."""
    if len(keys) == 1:
        (key,) = keys
        records = await db.fetch(_PAGE, key.post_id, key.after_id, key.limit, viewer_id)
    else:
        records = await db.fetch(
            _PAGES,
            [k.post_id for k in keys],
            [k.after_id for k in keys],
            [k.limit for k in keys],
            viewer_id,
        )
    grouped: dict[int, list[AuthoredComment]] = defaultdict(list)
    authors: dict[int, UserRow] = {}
    for r in records:
        # Positional: a page reads ~20 columns of 20 rows.
        values = tuple(r)
        row = CommentRow(*values[1:_AUTHOR_AT])
        author = authors.get(row.author_id)
        if author is None:
            author = authors[row.author_id] = UserRow.from_author_values(values[_AUTHOR_AT:])
        grouped[values[0]].append((row, author))
    return [grouped.get(i, []) for i in range(1, len(keys) + 1)]
