"""Prefix search over usernames and hashtag names, served by text_pattern_ops indexes.

`LIKE 'abc%'` is the rule. The explicit byte range next to it is what lets the index serve a
generic plan too: asyncpg keeps statements prepared, PostgreSQL may switch a prepared
statement to a generic plan, and that plan cannot derive an index range from `LIKE $1`.
"""

from __future__ import annotations

from storage.hashtags import HashtagRow
from storage.types import Executor
from storage.users import COLUMNS, UserRow
from storage.visibility import user_listed_sql

# Sorts after every character, byte-wise (text_pattern_ops compares UTF-8 bytes).
_LAST_CHARACTER = "\U0010ffff"

# Served by users_username_lower_key (0001_accounts.sql). Users blocked either way with the
# viewer ($5) are not found.
USERS_BY_PREFIX = f"""
SELECT {COLUMNS} FROM users u
WHERE lower(u.username) LIKE $1 ESCAPE '\\'
  AND lower(u.username) ~>=~ $2 AND lower(u.username) ~<~ $3
  AND {user_listed_sql(viewer="$5::bigint", user="u.id")}
ORDER BY lower(u.username) = $2 DESC, u.follower_count DESC, u.username
LIMIT $4
"""

# Served by hashtags_name_prefix_idx (0006_discovery.sql). Tags whose posts were all deleted
# lead nowhere, so they are not suggested.
HASHTAGS_BY_PREFIX = """
SELECT name, post_count FROM hashtags
WHERE name LIKE $1 ESCAPE '\\' AND name ~>=~ $2 AND name ~<~ $3 AND post_count > 0
ORDER BY name = $2 DESC, post_count DESC, name
LIMIT $4
"""


def escape_like(text: str) -> str:
    """`text` as a literal inside a LIKE pattern with ESCAPE '\\'."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def prefix_args(prefix: str) -> tuple[str, str, str]:
    """($1, $2, $3) of the queries above: the LIKE pattern and the byte range of `prefix`."""
    return escape_like(prefix) + "%", prefix, prefix + _LAST_CHARACTER


async def users_by_prefix(
    db: Executor, prefix: str, *, limit: int, viewer_id: int | None
) -> list[UserRow]:
    """Users whose lower-cased username starts with `prefix` (lower-case) that the viewer may
    list: the exact match first, then the most followed."""
    records = await db.fetch(USERS_BY_PREFIX, *prefix_args(prefix), limit, viewer_id)
    return [UserRow.from_record(r) for r in records]


async def hashtags_by_prefix(db: Executor, prefix: str, *, limit: int) -> list[HashtagRow]:
    """Tags starting with `prefix` (lower-case): the exact match first, then the most used."""
    records = await db.fetch(HASHTAGS_BY_PREFIX, *prefix_args(prefix), limit)
    return [HashtagRow.from_record(r) for r in records]
