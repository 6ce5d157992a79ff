"""Everything a post on screen shows, for a page of posts, in one statement.

A card is a post with its author, the viewer's follow state towards that author, its media
in carousel order, its counts, whether the viewer likes and saved it, and its mentions.
Listing a page through here costs one round trip whatever its size, and leaves nothing for
nested fields to fetch.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson

from storage import explore, hashtags, instants, posts, users, visibility
from storage.counters import PostCounts
from storage.instants import from_micros
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


# Media travel as one JSON text per post (an array of FIELDS-ordered arrays), decoded by
# orjson: asyncpg decodes an array of records several times slower, applies the pool's text
# jsonb codec to binary data inside a record, and cannot decode a float8[] inside a record
# on a connection that has not met the array type yet ("no decoder for composite type
# element"). Each media row carries its array, written with the row (media.card_json,
# migrations/postgres/0023): building it here was a third of the statement's cost.
_MEDIA_JSON = (
    "(SELECT '[' || string_agg(m.card_json, ',' ORDER BY m.position) || ']'"
    " FROM media m WHERE m.post_id = p.id)"
)

_MENTIONED_ROW = ", ".join(f"mu.{name}" for name in users.FIELDS)
_AUTHOR_NAMES = tuple(f"author_{name}" for name in users.FIELDS)


# A card's two timestamps (the post's and its author's creation) are read as microseconds
# (storage/instants.py).
_CREATED_AT = "created_at"
_POST_COLUMNS = instants.columns_sql("p", posts.FIELDS, micros=_CREATED_AT)


# The cards of the posts `wanted (id, ord)` names, in `ord` order. commentCount leaves out
# what `comments` hides from the viewer: comments by users blocked
# either way. The counter stays the source; the viewer's walls are read once per statement
# (an InitPlan), and only a viewer with some pays for counting their comments on each post,
# one probe of the comments_author_post index per wall.
def _cards_sql(wanted: str, *, also: str = "") -> str:
    return f"""
WITH walls AS MATERIALIZED (SELECT ARRAY({visibility.walls_sql("$2")}) AS ids)
SELECT {_POST_COLUMNS}, {users.AUTHOR_COLUMNS},
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
       {_MEDIA_JSON} AS media{also}
FROM {wanted}
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


# $1 the ids, $2 the viewer (or NULL).
_CARDS = _cards_sql("unnest($1::bigint[]) WITH ORDINALITY AS wanted (id, ord)")
# $1 one id, $2 the viewer. A single lookup (`post`, `node`, a live update's post) has its
# own statement: with a one-element array PostgreSQL plans unnest at one row in a custom
# plan and ten in a generic one, so it never settles on the generic plan and plans this
# statement afresh on every call (3.0 ms of wall time against 0.42 ms on the read
# benchmark's database).
_CARD = _cards_sql("(VALUES ($1::bigint, 1::bigint)) AS wanted (id, ord)")


# The statement's columns after the post's and the author's, which lead in FIELDS order.
_AUTHOR_AT = len(posts.FIELDS)
_TAIL_AT = _AUTHOR_AT + len(users.FIELDS)
_TAIL = (
    "viewer_state",
    "rel_blocked_by",
    "rel_blocking",
    "rel_muted",
    "rel_moderator",
    "place_name",
    "place_latitude",
    "place_longitude",
    "likes",
    "comments",
    "viewer_liked",
    "viewer_saved",
    "mentions",
    "media",
)
_LAYOUT = (*posts.FIELDS, *_AUTHOR_NAMES, *_TAIL)
_END = len(_LAYOUT)
_POST_CREATED_AT = posts.FIELDS.index(_CREATED_AT)


# A post's media change rarely (processing, an edit) and a page of a busy feed shows the
# same posts to many viewers: decoded media are kept by their JSON text, which is all they
# are decoded from (rows are never changed, so sharing them is safe).
@functools.lru_cache(maxsize=4096)
def _media(text: str) -> tuple[MediaRow, ...]:
    return tuple([MediaRow.from_card_json(m) for m in orjson.loads(text)])


def _card(r: asyncpg.Record, viewer_id: int | None) -> PostCard:
    # Positional: a page reads ~40 columns of 20 rows, and one tuple beats 40 lookups.
    values = tuple(r)
    post = list(values[:_AUTHOR_AT])
    post[_POST_CREATED_AT] = from_micros(post[_POST_CREATED_AT])
    author = UserRow.from_author_values(values[_AUTHOR_AT:_TAIL_AT])
    (
        viewer_state,
        blocked_by,
        blocking,
        muted,
        moderator,
        place_name,
        place_latitude,
        place_longitude,
        likes,
        comments,
        viewer_liked,
        viewer_saved,
        mentions,
        media_json,
    ) = values[_TAIL_AT:_END]
    return PostCard(
        PostRow.from_values(post),
        author,
        viewer_state,
        () if media_json is None else _media(media_json),
        PostCounts(likes, comments),
        viewer_liked,
        Relation(
            viewer_id,
            author.id,
            author.is_private,
            viewer_state,
            blocked_by,
            blocking,
            muted,
            moderator,
        ),
        viewer_saved,
        () if mentions is None else tuple([UserRow(*u) for u in mentions]),
        place=None if place_name is None else PlaceRow(place_name, place_latitude, place_longitude),
    )


async def cards(db: Executor, post_ids: Sequence[int], viewer_id: int | None) -> list[PostCard]:
    """Cards of the posts that exist (not deleted), in the order of `post_ids`.

    Who may see which is not decided here: the caller applies the visibility policy.
    """
    if not post_ids:
        return []
    if len(post_ids) == 1:
        records = await db.fetch(_CARD, post_ids[0], viewer_id)
    else:
        records = await db.fetch(_CARDS, list(post_ids), viewer_id)
    return _decode(records, viewer_id)


def _listed_sql(listing: str, *, also: str = "") -> str:
    """The cards statement of a listing: `listing` selects the posts of a page as `id` and
    `ord` (their order), with $2 the viewer (or NULL) and its last parameter the limit.
    `also`: select-list items after the card's columns."""
    return _cards_sql(f"({listing}) AS wanted", also=also)


# A page of a user's grid, of a hashtag's posts, of explore: the listing and its cards in
# one statement.
GRID = _listed_sql(posts.GRID)
GRID_BY_NAME = _listed_sql(posts.GRID_BY_NAME)
TAGGED = _listed_sql(hashtags.TAG_PAGE)
EXPLORED = _listed_sql(explore.PICKS)
# A hashtag's page with the number of the tag's posts the viewer may see (an InitPlan: one
# count per statement, on every row), so that `hashtag { postCount posts }` is one round
# trip, not a count and then the page.
_COUNTED = "tag_post_count"
TAGGED_COUNTED = _listed_sql(
    hashtags.TAG_PAGE, also=f", (SELECT c.post_count FROM ({hashtags.COUNT_ONE}) c) AS {_COUNTED}"
)


async def listed(
    db: Executor, statement: str, key: Any, viewer_id: int | None, *bounds: Any, first: int
) -> tuple[list[PostCard], bool]:
    """The cards of a listing's (`GRID`, `TAGGED`, `EXPLORED`) first `first` posts, in its
    order, and whether there are more: a page in one round trip, not a listing and then its
    cards. `key` and `bounds` are the listing's parameters but the viewer and the limit.
    The look-ahead post is read but not decoded."""
    records = await db.fetch(statement, key, viewer_id, *bounds, first + 1)
    return _decode(records[:first], viewer_id), len(records) > first


async def listed_counted(
    db: Executor, statement: str, key: Any, viewer_id: int | None, *bounds: Any, first: int
) -> tuple[list[PostCard], bool, int | None]:
    """As `listed`, for a statement that also counts (`TAGGED_COUNTED`): its count too,
    None when the page is empty (no row carries it)."""
    records = await db.fetch(statement, key, viewer_id, *bounds, first + 1)
    count = records[0][_COUNTED] if records else None
    return _decode(records[:first], viewer_id, also=(_COUNTED,)), len(records) > first, count


def _decode(
    records: Sequence[asyncpg.Record], viewer_id: int | None, *, also: tuple[str, ...] = ()
) -> list[PostCard]:
    if records and tuple(records[0].keys()) != (*_LAYOUT, *also):
        raise AssertionError(f"post card columns out of order: {tuple(records[0].keys())}")
    return [_card(r, viewer_id) for r in records]
