"""Hashtags: their counts and pages.

`hashtags.post_count` counts the published posts of public accounts only, kept by
storage/posts.py publish and soft_delete and by `recount_author` when an account changes
privacy. What a viewer is told corrects it by the visibility policy (`visible_counts`): it adds
the private posts they may see and takes away those of accounts blocked either way, so
neither a count nor a tag's existence reveals a private account's posts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from storage.types import Executor
from storage.visibility import Surface, post_visible_sql

_VISIBLE = post_visible_sql(Surface.DISCOVERY, viewer="$2")
_NO_CURSOR = 2**63 - 1  # no `before`: below the largest bigint

# Posts with the tag that the viewer may see in discovery, newest first: a listing
# (storage/post_cards.py reads its cards). $1 tag, $2 viewer (or NULL), $3 before (or
# NULL), $4 limit. The policy is part of the query (not a filter afterwards), so a page is
# always full. The tag's ids come from an index-only scan in order (OFFSET 0 keeps that
# subquery as it is), so a popular tag's page joins the newest ids until it is full
# instead of joining and sorting all of them, whatever plan (custom or generic) PostgreSQL
# picks.
TAG_PAGE = f"""
SELECT p.id, -p.id AS ord FROM (
    SELECT post_id FROM post_hashtags
    WHERE tag = $1 AND post_id < coalesce($3::bigint, {_NO_CURSOR})
    ORDER BY post_id DESC OFFSET 0
) t
JOIN posts p ON p.id = t.post_id
JOIN users u ON u.id = p.author_id
WHERE p.deleted_at IS NULL AND {_VISIBLE}
ORDER BY t.post_id DESC LIMIT $4
"""


@dataclass(frozen=True)
class HashtagRow:
    name: str
    post_count: int

    @classmethod
    def from_record(cls, r: asyncpg.Record) -> HashtagRow:
        return cls(r["name"], r["post_count"])


def _counts_sql(names: str) -> str:
    """Each tag of `names` (a FROM item `n(name, position)`) with the number of posts
    carrying it that the viewer ($2) may see in discovery: the kept count of public ones,
    plus private ones the viewer may see, minus public ones the viewer may not (a block
    either way). The policy decides; the two small author sets, found by key, only keep the
    corrections cheap."""
    return f"""
        WITH private_authors AS MATERIALIZED (
            -- The viewer if private, and their private followees.
            SELECT u.id FROM users u WHERE u.id = $2 AND u.is_private
            UNION ALL
            SELECT u.id FROM follows f JOIN users u ON u.id = f.followee_id
            WHERE f.follower_id = $2 AND f.state = 'active' AND u.is_private
        ), blocked_authors AS MATERIALIZED (
            SELECT blocked_id AS id FROM blocks WHERE blocker_id = $2
            UNION SELECT blocker_id FROM blocks WHERE blocked_id = $2
        )
        SELECT n.name, coalesce(h.post_count, 0) + (
            SELECT count(*) FROM posts p JOIN users u ON u.id = p.author_id
            WHERE p.author_id IN (SELECT id FROM private_authors)
              AND p.hashtags @> ARRAY[n.name] AND {_VISIBLE}
        )::int - (
            -- Counted in the kept count (public, published) but hidden from this viewer.
            SELECT count(*) FROM posts p JOIN users u ON u.id = p.author_id
            WHERE p.author_id IN (SELECT id FROM blocked_authors) AND NOT u.is_private
              AND p.hashtags @> ARRAY[n.name] AND p.status = 'published'
              AND p.deleted_at IS NULL AND NOT {_VISIBLE}
        )::int AS post_count
        FROM {names}
        LEFT JOIN hashtags h ON h.name = n.name
        ORDER BY n.position
        """


_COUNTS = _counts_sql("unnest($1::text[]) WITH ORDINALITY AS n(name, position)")
# One tag (a hashtag's page) has its own statement: given a one-element array, PostgreSQL
# never settles on a generic plan and plans the statement above on every call (as
# storage/post_cards.py's single card; here about 2 ms, five times its execution). $1 the
# tag, $2 the viewer, as the tag's page (storage/post_cards.py's TAGGED_COUNTED reads both).
COUNT_ONE = _counts_sql("(VALUES ($1::text, 1::bigint)) AS n(name, position)")


async def visible_counts(
    db: Executor, names: Sequence[str], *, viewer_id: int | None
) -> list[HashtagRow]:
    """Each tag with the number of its posts the viewer may see (`_counts_sql`), in order."""
    records = await db.fetch(_COUNTS, list(names), viewer_id)
    return [HashtagRow.from_record(r) for r in records]


async def visible_count(db: Executor, name: str, *, viewer_id: int | None) -> HashtagRow:
    """One tag with the number of its posts the viewer may see (`_counts_sql`)."""
    record = await db.fetchrow(COUNT_ONE, name, viewer_id)
    assert record is not None
    return HashtagRow.from_record(record)


async def recount_author(conn: asyncpg.Connection, author_id: int, *, now_public: bool) -> None:
    """An account went public (its published posts start counting on their tags) or private
    (they stop). Run in the transaction that changes `is_private`, after locking the user."""
    await conn.execute(
        """
        WITH t AS (
            SELECT tag, count(*)::int AS n
            FROM posts p CROSS JOIN LATERAL unnest(p.hashtags) AS tag
            WHERE p.author_id = $1 AND p.status = 'published' AND p.deleted_at IS NULL
            GROUP BY tag
        )
        -- An upsert, in name order, to lock tag rows as publish does.
        INSERT INTO hashtags AS h (name, post_count)
        SELECT tag, CASE WHEN $2 THEN n ELSE 0 END FROM t ORDER BY tag
        ON CONFLICT (name) DO UPDATE SET post_count = GREATEST(
            h.post_count + CASE WHEN $2 THEN 1 ELSE -1 END
                * (SELECT n FROM t WHERE t.tag = excluded.name),
            0
        )
        """,
        author_id,
        now_public,
    )
