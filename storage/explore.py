"""Explore: ranking candidates, the viewer's exclusions, and the visibility re-check at read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.types import Executor
from storage.visibility import Surface, post_visible_sql


@dataclass(frozen=True)
class CandidateRow:
    post_id: int
    author_id: int
    created_at: datetime
    likes: int
    comments: int


# Counts are the sums of the sharded counters (migrations/postgres/0004_engagement.sql).
# Ranked once for everyone: what anyone at all may see in discovery.
_CANDIDATES = f"""
SELECT * FROM (
    SELECT p.id, p.author_id, p.created_at,
           COALESCE(sum(s.value) FILTER (WHERE s.counter = 'likes'), 0) AS likes,
           COALESCE(sum(s.value) FILTER (WHERE s.counter = 'comments'), 0) AS comments
    FROM posts p
    JOIN users u ON u.id = p.author_id
    LEFT JOIN post_counter_shards s ON s.post_id = p.id
    WHERE p.created_at >= $1 AND {post_visible_sql(Surface.DISCOVERY, viewer="NULL::bigint")}
    GROUP BY p.id
) c
ORDER BY $2::int * c.likes + $3::int * c.comments DESC, c.id DESC
LIMIT $4
"""


async def candidates(
    db: Executor, *, since: datetime, like_weight: int, comment_weight: int, limit: int
) -> list[CandidateRow]:
    """Public published posts created since `since` with their like and comment counts,
    the `limit` most engaged first (the time decay is applied by the caller)."""
    records = await db.fetch(_CANDIDATES, since, like_weight, comment_weight, limit)
    return [
        CandidateRow(r["id"], r["author_id"], r["created_at"], r["likes"], r["comments"])
        for r in records
    ]


# An explore page: those of a snapshot's posts (in rank order) the viewer may still see in
# discovery (deleted, flagged, gone private or blocked since they were ranked: left out)
# and finds nowhere else (the viewer's own and those of accounts they follow are in their
# home feed). A listing (storage/post_cards.py reads its cards): $1 the snapshot's post ids,
# $2 the viewer (or NULL), $3 the limit.
PICKS = f"""
SELECT p.id, w.ord
FROM unnest($1::bigint[]) WITH ORDINALITY AS w (id, ord)
JOIN posts p ON p.id = w.id JOIN users u ON u.id = p.author_id
WHERE NOT u.is_private AND {post_visible_sql(Surface.DISCOVERY, viewer="$2")}
  AND ($2::bigint IS NULL OR (p.author_id <> $2 AND NOT EXISTS (
      SELECT 1 FROM follows f WHERE f.follower_id = $2
        AND f.followee_id = p.author_id AND f.state = 'active')))
ORDER BY w.ord LIMIT $3
"""
