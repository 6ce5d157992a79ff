"""Places: a name with optional coordinates, the posts tagged with them, and radius queries.

A post tagged with a place carries its coordinates and their precision-6 geohash (so a
radius query reads posts by index, cell by cell, newest first, never every post).
`places.post_count` counts the published posts of public accounts, like hashtag counts: a
trigger keeps it as posts are published, deleted or moderated and as accounts change privacy
(the `places` migration), so a place used only in private posts is never
suggested by search.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from storage.search import prefix_args
from storage.types import Executor
from storage.visibility import Surface, post_visible_sql

# Ids are below this: the "no cursor" bound of a keyset page, so the index condition on the
# id is one plain comparison in a generic plan.
NO_CURSOR = 2**63 - 1
# Indexed geohash prefix lengths (resolvers/geo.py PRECISIONS).
CELL_PRECISIONS = (3, 4, 5, 6)


@dataclass(slots=True)
class PlaceRow:
    name: str
    latitude: float | None
    longitude: float | None


async def tag_post(
    conn: asyncpg.Connection,
    post_id: int,
    *,
    name: str,
    name_key: str,
    latitude: float | None,
    longitude: float | None,
    geohash: str | None,
) -> None:
    """The place (found by name and coordinates, or made), set on the post: one statement.

    Run in the transaction that inserts the post. The upsert locks the place row, so posts
    tagged with one place at once wait for each other, briefly.
    """
    await conn.execute(
        """
        WITH place AS (
            INSERT INTO places (name, name_key, latitude, longitude) VALUES ($2, $3, $4, $5)
            ON CONFLICT ON CONSTRAINT places_key DO UPDATE SET name_key = excluded.name_key
            RETURNING id
        )
        UPDATE posts SET place_id = place.id, latitude = $4, longitude = $5, geohash = $6
        FROM place WHERE posts.id = $1
        """,
        post_id,
        name,
        name_key,
        latitude,
        longitude,
        geohash,
    )


# Great-circle distance in km from ($3, $4), as resolvers/geo.py haversine_km computes it.
_DISTANCE = """
2 * 6371.0088 * asin(least(1, sqrt(
    power(sin(radians(p.latitude - $3) / 2), 2)
    + cos(radians($3)) * cos(radians(p.latitude)) * power(sin(radians(p.longitude - $4) / 2), 2)
)))
"""


def near_sql(precision: int) -> str:
    """Newest first, the ids of posts within $5 km of ($3, $4) in the cells $1 (geohash
    prefixes of `precision` characters) that the viewer $6 may see in discovery, below the
    id $2; at most $7.

    Each cell is read through its index (posts_geocell{precision}_idx) newest first and stops
    at $7 rows that pass, so a page costs a few index range reads per cell.
    """
    if precision not in CELL_PRECISIONS:
        raise ValueError(f"no index for geohash prefixes of {precision} characters")
    return f"""
SELECT near.id FROM unnest($1::text[]) AS c (cell)
CROSS JOIN LATERAL (
    SELECT p.id FROM posts p JOIN users u ON u.id = p.author_id
    WHERE left(p.geohash, {precision}) = c.cell AND p.id < $2
      AND p.status = 'published' AND p.deleted_at IS NULL AND p.geohash IS NOT NULL
      AND {_DISTANCE} <= $5
      AND {post_visible_sql(Surface.DISCOVERY, viewer="$6")}
    ORDER BY p.id DESC LIMIT $7
) near
ORDER BY near.id DESC LIMIT $7
"""


async def near_ids(
    db: Executor,
    *,
    precision: int,
    cells: Sequence[str],
    latitude: float,
    longitude: float,
    radius_km: float,
    viewer_id: int | None,
    before: int | None,
    limit: int,
) -> list[int]:
    records = await db.fetch(
        near_sql(precision),
        list(cells),
        NO_CURSOR if before is None else before,
        latitude,
        longitude,
        radius_km,
        viewer_id,
        limit,
    )
    return [r["id"] for r in records]


# Served by places_name_prefix_idx; the byte range lets a generic plan use it (storage/search.py).
# A place is suggested only if one of its posts is one the viewer $5 may see in discovery (a
# block either way hides it), and only places of public posts are counted at all.
PLACES_BY_PREFIX = f"""
SELECT pl.name, pl.latitude, pl.longitude FROM places pl
WHERE pl.name_key LIKE $1 ESCAPE '\\' AND pl.name_key ~>=~ $2 AND pl.name_key ~<~ $3
  AND pl.post_count > 0
  AND EXISTS (
      SELECT 1 FROM posts p JOIN users u ON u.id = p.author_id
      WHERE p.place_id = pl.id AND p.status = 'published' AND p.deleted_at IS NULL
        AND {post_visible_sql(Surface.DISCOVERY, viewer="$5::bigint")}
  )
ORDER BY pl.name_key = $2 DESC, pl.post_count DESC, pl.name_key, pl.id
LIMIT $4
"""


async def by_prefix(
    db: Executor, prefix: str, *, limit: int, viewer_id: int | None
) -> list[PlaceRow]:
    """Places whose name key starts with `prefix`: the exact name first, then the most used
    (published posts of public accounts)."""
    records = await db.fetch(PLACES_BY_PREFIX, *prefix_args(prefix), limit, viewer_id)
    return [PlaceRow(r["name"], r["latitude"], r["longitude"]) for r in records]
