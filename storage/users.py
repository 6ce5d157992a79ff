"""Users: rows and queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from storage import instants, visibility
from storage.instants import from_micros
from storage.types import Executor
from storage.visibility import Relation


# Not frozen: a frozen dataclass sets each field through object.__setattr__, which makes a
# page of rows several times slower to build. Rows are never changed once read.
@dataclass(slots=True)
class UserRow:
    id: int
    username: str
    display_name: str | None
    bio: str | None
    is_private: bool
    follower_count: int
    following_count: int
    post_count: int
    created_at: datetime
    is_moderator: bool = False

    @classmethod
    def from_record(cls, record: asyncpg.Record | dict[str, Any]) -> UserRow:
        return cls(*[record[name] for name in FIELDS])

    @classmethod
    def from_author_values(cls, values: Sequence[Any]) -> UserRow:
        """From the values of `AUTHOR_COLUMNS`, in order (its timestamp in microseconds)."""
        row = list(values)
        row[_CREATED_AT] = from_micros(row[_CREATED_AT])
        return cls(*row)


FIELDS = (
    "id",
    "username",
    "display_name",
    "bio",
    "is_private",
    "follower_count",
    "following_count",
    "post_count",
    "created_at",
    "is_moderator",
)
COLUMNS = ", ".join(f"u.{name}" for name in FIELDS)
_CREATED_AT = FIELDS.index("created_at")
# `u` as a page's author (`author_<field>`), its timestamp as microseconds
# (storage/instants.py): a page's authors recur. Read with `UserRow.from_author_values`.
AUTHOR_COLUMNS = instants.columns_sql("u", FIELDS, micros="created_at", prefix="author_")


@dataclass(frozen=True)
class Credentials:
    user_id: int
    password_hash: str


async def insert(
    db: Executor, *, username: str, password_hash: str, display_name: str | None
) -> UserRow | None:
    """Create a user; None when the username is taken."""
    record = await db.fetchrow(
        f"""
        INSERT INTO users AS u (username, password_hash, display_name)
        VALUES ($1, $2, $3)
        ON CONFLICT ((lower(username))) DO NOTHING
        RETURNING {COLUMNS}
        """,
        username,
        password_hash,
        display_name,
    )
    return None if record is None else UserRow.from_record(record)


async def credentials(db: Executor, username: str) -> Credentials | None:
    record = await db.fetchrow(
        "SELECT id, password_hash FROM users WHERE lower(username) = lower($1)", username
    )
    return None if record is None else Credentials(record["id"], record["password_hash"])


async def set_password_hash(db: Executor, user_id: int, password_hash: str) -> None:
    await db.execute("UPDATE users SET password_hash = $2 WHERE id = $1", user_id, password_hash)


async def by_ids(db: Executor, ids: Sequence[int]) -> list[UserRow]:
    records = await db.fetch(f"SELECT {COLUMNS} FROM users u WHERE u.id = ANY($1::bigint[])", ids)
    return [UserRow.from_record(r) for r in records]


async def by_usernames(db: Executor, usernames: Sequence[str]) -> list[UserRow]:
    records = await db.fetch(
        f"SELECT {COLUMNS} FROM users u WHERE lower(u.username) = ANY($1::text[])",
        [name.lower() for name in usernames],
    )
    return [UserRow.from_record(r) for r in records]


def _with_relations_sql(names: str) -> str:
    return f"""
SELECT {COLUMNS}, f.state, {visibility.relation_columns(viewer="$2", owner="u.id")}
FROM users u
LEFT JOIN follows f ON f.follower_id = $2 AND f.followee_id = u.id
WHERE lower(u.username) {names}
"""


_BY_USERNAMES_WITH_RELATIONS = _with_relations_sql("= ANY($1::text[])")
# One name (a profile opened) has its own statement: given a one-element array, PostgreSQL
# never settles on a generic plan and plans the statement on every call.
_BY_USERNAME_WITH_RELATION = _with_relations_sql("= $1::text")


async def by_usernames_with_relations(
    db: Executor, viewer_id: int, usernames: Sequence[str]
) -> list[tuple[UserRow, Relation]]:
    """Users by name with a signed-in viewer's relation to each, in one query: a profile
    is looked up by name and then shown as the policy allows."""
    lowered = [name.lower() for name in usernames]
    if len(lowered) == 1:
        records = await db.fetch(_BY_USERNAME_WITH_RELATION, lowered[0], viewer_id)
    else:
        records = await db.fetch(_BY_USERNAMES_WITH_RELATIONS, lowered, viewer_id)
    found = []
    for r in records:
        row = UserRow.from_record(r)
        relation = visibility.relation_from(
            r,
            viewer_id=viewer_id,
            owner_id=row.id,
            owner_private=row.is_private,
            follow_state=r["state"],
        )
        found.append((row, relation))
    return found


async def update_profile(
    db: Executor,
    user_id: int,
    *,
    display_name: str | None,
    set_display_name: bool,
    bio: str | None,
    set_bio: bool,
    is_private: bool | None,
) -> UserRow:
    """Update the fields whose `set_*` flag is true (None clears them); privacy when not None."""
    record = await db.fetchrow(
        f"""
        UPDATE users AS u SET
            display_name = CASE WHEN $2 THEN $3 ELSE u.display_name END,
            bio          = CASE WHEN $4 THEN $5 ELSE u.bio END,
            is_private   = COALESCE($6, u.is_private)
        WHERE u.id = $1
        RETURNING {COLUMNS}
        """,
        user_id,
        set_display_name,
        display_name,
        set_bio,
        bio,
        is_private,
    )
    assert record is not None
    return UserRow.from_record(record)
