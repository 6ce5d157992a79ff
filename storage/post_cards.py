"""Everything a post on screen shows, for a page of posts, in one statement.

A card is a post with its author, the viewer's follow state towards that author, its media
in carousel order, its counts, whether the viewer likes and saved it, and its mentions.
Listing a page through here costs one round trip whatever its size, and leaves nothing for
nested fields to fetch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson

from storage import media, posts, users, visibility
from storage.counters import PostCounts
from storage.media import MediaRow
from storage.places import PlaceRow
from storage.posts import PostRow
from storage.types import Executor
from storage.users import UserRow
from storage.visibility import Relation


@dataclass(slots=True)  # not frozen: built for every post of a page (see storage/posts.py)
class PostCard:
    post: PostRow
    author: UserRow
    viewer_state: str | None  # the viewer's follow state towards the author
    media: tuple[MediaRow, ...]
    counts: PostCounts
    viewer_liked: bool
    relation: Relation  # the viewer's relation to the author, for the visibility policy
    viewer_saved: bool
    mentions: tuple[UserRow, ...]  # the caption's, in order, but those blocked with the viewer
    place: PlaceRow | None = None  # the place it is tagged with


# Media travel as an array of anonymous records. asyncpg decodes a record's fields by type,
# but applies the pool's text jsonb codec to binary data there: variants cross as text.
# A float8[] inside a record is decoded only if the connection happens to know the array
# type already (asyncpg looks up the types of result columns, not of fields nested in a
# record): a fresh connection fails with "no decoder for composite type element". So the
# crop crosses as text too.
_AS_TEXT = ("variants", "crop")
_MEDIA_ROW = ", ".join(
    f"m.{name}::text" if name in _AS_TEXT else f"m.{name}" for name in media.FIELDS
)
_CROP_AT = media.FIELDS.index("crop")

_MENTIONED_ROW = ", ".join(f"mu.{name}" for name in users.FIELDS)
_AUTHOR_NAMES = tuple(f"author_{name}" for name in users.FIELDS)
_AUTHOR_COLUMNS = ", ".join(f"u.{name} AS author_{name}" for name in users.FIELDS)

# commentCount leaves out what `comments` hides from the viewer: comments by users blocked
# either way. The counter stays the source; the viewer's walls are read once per statement
# (an InitPlan), and only a viewer with some pays for counting their comments on each post,
# one probe of the comments_author_post index per wall.
_CARDS = f"""
WITH walls AS MATERIALIZED (SELECT ARRAY({visibility.walls_sql("$2")}) AS ids)
SELECT {posts.COLUMNS}, {_AUTHOR_COLUMNS},
       f.state AS viewer_state, {visibility.relation_columns(viewer="$2", owner="p.author_id")},
       pl.name AS place_name, pl.latitude AS place_latitude, pl.longitude AS place_longitude,
       coalesce(c.likes, 0) AS likes,
       GREATEST(coalesce(c.comments, 0) - CASE WHEN (SELECT cardinality(ids) FROM walls) = 0
           THEN 0 ELSE (SELECT count(*) FROM comments hc
                        WHERE hc.author_id = ANY ((SELECT ids FROM walls)::bigint[])
                          AND hc.post_id = p.id)
       END, 0) AS comments,
       EXISTS (SELECT 1 FROM likes l WHERE l.post_id = p.id AND l.user_id = $2) AS viewer_liked,
       EXISTS (SELECT 1 FROM saves sv WHERE sv.post_id = p.id AND sv.user_id = $2) AS viewer_saved,
       (SELECT array_agg(ROW({_MENTIONED_ROW}) ORDER BY pm.position)
          FROM post_mentions pm JOIN users mu ON mu.id = pm.user_id
          WHERE pm.post_id = p.id AND {visibility.user_listed_sql(viewer="$2", user="mu.id")}
       ) AS mentions,
       (SELECT array_agg(ROW({_MEDIA_ROW}) ORDER BY m.position)
          FROM media m WHERE m.post_id = p.id) AS media
FROM unnest($1::bigint[]) WITH ORDINALITY AS wanted (id, ord)
JOIN posts p ON p.id = wanted.id AND p.deleted_at IS NULL
JOIN users u ON u.id = p.author_id
LEFT JOIN follows f ON f.follower_id = $2 AND f.followee_id = p.author_id
LEFT JOIN places pl ON pl.id = p.place_id
LEFT JOIN LATERAL (
    SELECT sum(s.value) FILTER (WHERE s.counter = 'likes') AS likes,
           sum(s.value) FILTER (WHERE s.counter = 'comments') AS comments
    FROM post_counter_shards s WHERE s.post_id = p.id
) c ON true
ORDER BY wanted.ord
"""


def _media_row(record: Any) -> MediaRow:
    values = list(record)
    crop = values[_CROP_AT]  # '{0.1,0.2,0.8,0.6}' or None
    values[_CROP_AT] = None if crop is None else [float(x) for x in crop.strip("{}").split(",")]
    return MediaRow.from_values(values, orjson.loads(values[media.VARIANTS_AT]))


def _card(r: asyncpg.Record, viewer_id: int | None) -> PostCard:
    author = UserRow(*[r[name] for name in _AUTHOR_NAMES])
    return PostCard(
        PostRow.from_record(r),
        author,
        r["viewer_state"],
        tuple([_media_row(m) for m in r["media"] or ()]),
        PostCounts(r["likes"], r["comments"]),
        r["viewer_liked"],
        visibility.relation_from(
            r,
            viewer_id=viewer_id,
            owner_id=author.id,
            owner_private=author.is_private,
            follow_state=r["viewer_state"],
        ),
        r["viewer_saved"],
        tuple([UserRow(*u) for u in r["mentions"] or ()]),
        place=_place(r),
    )


def _place(r: asyncpg.Record) -> PlaceRow | None:
    name = r["place_name"]
    return None if name is None else PlaceRow(name, r["place_latitude"], r["place_longitude"])


async def cards(db: Executor, post_ids: Sequence[int], viewer_id: int | None) -> list[PostCard]:
    """Cards of the posts that exist (not deleted), in the order of `post_ids`.

    Who may see which is not decided here: the caller applies the visibility policy.
    """
    if not post_ids:
        return []
    records = await db.fetch(_CARDS, list(post_ids), viewer_id)
    return [_card(r, viewer_id) for r in records]
