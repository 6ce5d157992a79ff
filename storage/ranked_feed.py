"""The ranked home feed's reads and snapshots.

- `candidates`: every candidate post with the features the ranker needs, in one statement
  (columns come back as arrays: far cheaper to decode than hundreds of records).
- `read_state`: the viewer's Redis-side signals in one round trip.
- Sessions: a ranked session is a Redis string, a header (where the chronological tail
  starts) then one fixed-width entry per post in feed order, "F" (FOLLOWING) or "S"
  (SUGGESTED) and the post id. Cursors name the session and a position in it, as explore's
  name a snapshot; reading a page (one GETRANGE in a script) marks its posts seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from redis.asyncio import Redis

from storage import feed_signals, keys
from storage.feed_cache import FeedCache, FeedRead
from storage.feed_signals import kind_sql
from storage.types import Executor
from storage.visibility import Surface, muted_sql, post_visible_sql

SEEN_CAP = 1000  # posts remembered as seen per viewer (the newest)
SOCIAL_PER_DAY = 60  # the most engaged-with posts read from each day's set

# Discovery candidates must be fit to suggest: published, by a public author the viewer
# does not follow, has not asked to follow, blocked either way or muted, and not a post the
# viewer already likes. The viewer's own feed ids are taken as they are (the page read
# applies the home-feed policy).
_SUGGESTIBLE = (
    "p.author_id <> $1 AND NOT u.is_private"
    f" AND {post_visible_sql(Surface.DISCOVERY, viewer='$1')}"
    f" AND NOT {muted_sql('$1', 'p.author_id')}"
    " AND NOT EXISTS (SELECT 1 FROM follows vf WHERE vf.follower_id = $1"
    " AND vf.followee_id = p.author_id)"
    " AND NOT EXISTS (SELECT 1 FROM likes vl WHERE vl.post_id = p.id AND vl.user_id = $1)"
)

_CANDIDATES = f"""
WITH wanted AS (
    SELECT id, bool_or(followed) AS followed FROM (
        SELECT id, true AS followed FROM unnest(string_to_array($2, ',')::bigint[]) AS f (id)
        UNION ALL
        SELECT id, false FROM unnest(string_to_array($3, ',')::bigint[]) AS s (id)
        UNION ALL
        SELECT fof.id, false FROM unnest(string_to_array($4, ',')::bigint[]) AS a (id)
        CROSS JOIN LATERAL (
            SELECT p.id FROM posts p
            WHERE p.author_id = a.id AND p.deleted_at IS NULL AND p.status = 'published'
              AND p.id >= $5
            ORDER BY p.id DESC
            LIMIT $6
        ) fof
    ) c
    WHERE id >= $5
    GROUP BY id
)
SELECT array_agg(p.id) AS ids,
       array_agg(p.author_id) AS authors,
       array_agg(w.followed) AS followed,
       array_agg(greatest(coalesce(k.engagement, 0), 0)) AS engagement,
       array_agg(u.follower_count) AS followers,
       array_agg(u.post_count) AS author_posts,
       array_agg(greatest(coalesce(fa.likes, 0), 0)
                 + 2 * greatest(coalesce(fa.comments, 0), 0)) AS affinity,
       array_agg(EXISTS (SELECT 1 FROM follows m WHERE m.follower_id = p.author_id
                         AND m.followee_id = $1 AND m.state = 'active')) AS mutual,
       array_agg({kind_sql("p.id")}) AS kinds,
       array_agg(EXISTS (SELECT 1 FROM likes vl WHERE vl.post_id = p.id
                         AND vl.user_id = $1)) AS liked,
       (SELECT ARRAY[greatest(photo, 0), greatest(video, 0), greatest(carousel, 0)]
          FROM feed_kind_likes WHERE viewer_id = $1) AS kind_likes
FROM wanted w
JOIN posts p ON p.id = w.id AND p.deleted_at IS NULL
JOIN users u ON u.id = p.author_id
LEFT JOIN feed_affinity fa ON fa.viewer_id = $1 AND fa.author_id = p.author_id
LEFT JOIN feed_post_engagement k ON k.post_id = p.id
WHERE w.followed OR ({_SUGGESTIBLE})
"""


@dataclass(slots=True)
class CandidateColumns:
    post_ids: list[int]
    author_ids: list[int]
    followed: list[bool]
    engagement: list[int]
    followers: list[int]
    affinity: list[int]
    author_posts: list[int]
    mutual: list[bool]
    kinds: list[int]
    liked: list[bool]  # the viewer likes it already
    kind_likes: tuple[int, int, int]


async def candidates(
    db: Executor,
    viewer_id: int,
    *,
    followed: Sequence[int],
    discovered: Sequence[int],
    fof_authors: Sequence[int],
    min_id: int,
    per_author: int,
) -> CandidateColumns:
    """The viewer's feed ids, posts liked by people they follow (`discovered`) and the
    newest posts of friends of friends, no older than `min_id`, with their features."""
    r = await db.fetchrow(
        _CANDIDATES,
        viewer_id,
        # As text: asyncpg checks every element of a list parameter for nested sequences.
        ",".join(map(str, followed)),
        ",".join(map(str, discovered)),
        ",".join(map(str, fof_authors)),
        min_id,
        per_author,
    )
    assert r is not None  # an aggregate without GROUP BY always answers one row
    kind_likes = r["kind_likes"] or (0, 0, 0)
    return CandidateColumns(
        r["ids"] or [],
        r["authors"] or [],
        r["followed"] or [],
        r["engagement"] or [],
        r["followers"] or [],
        r["affinity"] or [],
        r["author_posts"] or [],
        r["mutual"] or [],
        r["kinds"] or [],
        r["liked"] or [],
        (kind_likes[0], kind_likes[1], kind_likes[2]),
    )


@dataclass(frozen=True)
class ViewerState:
    seen: set[int]
    followee_engagement: dict[int, int]  # post id -> likes and comments by followees
    suggested: list[int] | None  # cached suggestedUsers ranking; None: not cached
    sessions: list[int]  # the viewer's live ranked sessions, newest first


async def read_state(
    redis: Redis,
    feed_cache: FeedCache,
    viewer_id: int,
    *,
    now_ms: int,
    window_days: int,
    min_id: int,
    feed_limit: int,
) -> tuple[FeedRead, ViewerState]:
    """One script call: the newest `feed_limit` ids of the cached feed with the celebrity
    list and timelines (as `FeedCache.read_feed_and_celebrities`), and the viewer's signals."""
    high, low, ttl, prefix = feed_cache.feed_read_args(None)
    day_keys = feed_signals.followee_engagement_keys(
        viewer_id, now_ms=now_ms, window_days=window_days
    )
    raw = await redis.register_script(_READ_STATE)(
        keys=[
            keys.feed_cache(viewer_id),
            keys.celebrity_followees(viewer_id),
            keys.ranked_seen(viewer_id),
            keys.suggested_users(viewer_id),
            keys.ranked_sessions(viewer_id),
            *day_keys,
        ],
        args=[
            high,
            low,
            feed_limit,
            ttl,
            prefix,
            now_ms - window_days * 86_400_000,
            SOCIAL_PER_DAY,
            feed_signals.member(min_id),
        ],
    )
    seen, social, suggested, sessions = raw[FeedCache.FEED_READ_REPLIES :]
    return (
        FeedCache.parse_feed_read(raw),
        ViewerState(
            seen=set(map(int, seen)),
            followee_engagement={int(social[i]): social[i + 1] for i in range(0, len(social), 2)},
            suggested=None if suggested is None else [int(i) for i in suggested.split(b",") if i],
            sessions=[int(s) for s in sessions],
        ),
    )


# KEYS: the feed cache, the celebrity list, the seen set, the cached suggestions, the session
# list, then the followee-engagement day sets. ARGV: the feed read's high and low bounds,
# limit, TTL and timeline key prefix, the oldest seen score kept, posts read per day set,
# the oldest post id as the day sets' members are written (20 digits: strings compare as
# the numbers would; a Lua number would round them). Returns the feed read's replies, the
# seen ids, the posts followees engaged with (id, total of the days' counts when > 0, flat),
# the suggestions and the session numbers. One call instead of a pipeline of ~14
# commands: the days are summed here, and the API process packs and parses one command.
_READ_STATE = (
    """
local high, low, limit, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local timeline_prefix = ARGV[5]
local replies = {}
"""
    + FeedCache.FEED_READ_LUA
    + """
replies[7] = redis.call('ZRANGEBYSCORE', KEYS[3], ARGV[6], '+inf')
local min, per_day = ARGV[8], tonumber(ARGV[7]) - 1
local totals, order = {}, {}
for k = 6, #KEYS do
  local day = redis.call('ZREVRANGE', KEYS[k], 0, per_day, 'WITHSCORES')
  for i = 1, #day, 2 do
    local id = day[i]
    if id >= min then
      local n = tonumber(day[i + 1])
      if totals[id] == nil then order[#order + 1] = id; totals[id] = n
      else totals[id] = totals[id] + n end
    end
  end
end
local social = {}
for _, id in ipairs(order) do
  if totals[id] > 0 then social[#social + 1] = id; social[#social + 1] = totals[id] end
end
replies[8] = social
replies[9] = redis.call('GET', KEYS[4])
replies[10] = redis.call('LRANGE', KEYS[5], 0, -1)
return replies
"""
)


# A session's string: the header, then one fixed-width entry per post, so that a page is one
# GETRANGE. Seen sets hold the same 20-digit ids.
ENTRY_WIDTH = 21  # b"F" or b"S", then the post id as 20 digits
HEADER_WIDTH = 24  # b"v1:", the tail's id as 20 digits (or 20 b"-": from the top), b":"


def _header(tail_before: int | None) -> bytes:
    return b"v1:" + (b"-" * 20 if tail_before is None else b"%020d" % tail_before) + b":"


def _tail_of(header: bytes) -> int | None:
    value = header[3:23]
    return None if value == b"-" * 20 else int(value)


def _entries(body: bytes) -> list[tuple[int, bool]]:
    w = ENTRY_WIDTH
    return [(int(body[i + 1 : i + w]), body[i] == 83) for i in range(0, len(body), w)]  # 83: S


async def store_session(
    redis: Redis,
    viewer_id: int,
    session: int,
    post_ids: Sequence[int],
    suggested: Sequence[bool],
    *,
    tail_before: int | None,
    previous: Sequence[int],
    keep: int,
    ttl_seconds: int,
    shown: int,
    now_ms: int,
    seen_ttl_seconds: int,
) -> None:
    """Store a session (its posts in order, and whether each is SUGGESTED) as the viewer's
    newest, drop their sessions beyond the newest `keep`, and mark the first `shown` seen."""
    body = b"".join(
        [b"S%020d" % p if s else b"F%020d" % p for p, s in zip(post_ids, suggested, strict=True)]
    )
    dropped = [keys.ranked_session(viewer_id, s) for s in previous[keep - 1 :]]
    await redis.register_script(_STORE)(
        keys=[
            keys.ranked_session(viewer_id, session),
            keys.ranked_sessions(viewer_id),
            keys.ranked_seen(viewer_id),
            *dropped,
        ],
        args=[
            _header(tail_before) + body,
            session,
            ttl_seconds,
            keep,
            shown,
            now_ms,
            seen_ttl_seconds,
            SEEN_CAP,
            ENTRY_WIDTH,
            HEADER_WIDTH,
        ],
    )


# KEYS: the new session, the viewer's session list, their seen set, sessions to drop. ARGV:
# the session's string, its number, session TTL, sessions kept, how many of its first
# entries to mark seen, now (ms), seen TTL, seen cap, entry width, header width. One call
# instead of a pipeline of commands: less to send, parse and wait for.
_STORE = """
local ttl = tonumber(ARGV[3])
redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl)
redis.call('LPUSH', KEYS[2], ARGV[2])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[4]) - 1)
redis.call('EXPIRE', KEYS[2], ttl)
for i = 4, #KEYS do redis.call('DEL', KEYS[i]) end
local w, h = tonumber(ARGV[9]), tonumber(ARGV[10])
local mark = math.min(tonumber(ARGV[5]), math.floor((#ARGV[1] - h) / w))
for i = 0, mark - 1 do
  local at = h + i * w
  redis.call('ZADD', KEYS[3], ARGV[6], string.sub(ARGV[1], at + 2, at + w))
end
if mark > 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -1 - tonumber(ARGV[8]))
  redis.call('EXPIRE', KEYS[3], ARGV[7])
end
return 1
"""


# KEYS: the session, the viewer's seen set. ARGV: start, count, how many of the entries read
# to mark seen, now (ms), session TTL, seen TTL, seen cap, entry width, header width. Nil
# when the session is gone; else {header, the entries read}.
_READ_PAGE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local start, count = tonumber(ARGV[1]), tonumber(ARGV[2])
local w, h = tonumber(ARGV[8]), tonumber(ARGV[9])
local header = redis.call('GETRANGE', KEYS[1], 0, h - 1)
local body = ''
if count > 0 then
  body = redis.call('GETRANGE', KEYS[1], h + start * w, h + (start + count) * w - 1)
end
local mark = math.min(tonumber(ARGV[3]), math.floor(#body / w))
for i = 0, mark - 1 do
  redis.call('ZADD', KEYS[2], ARGV[4], string.sub(body, i * w + 2, (i + 1) * w))
end
if mark > 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -1 - tonumber(ARGV[7]))
  redis.call('EXPIRE', KEYS[2], ARGV[6])
end
redis.call('EXPIRE', KEYS[1], ARGV[5])
return {header, body}
"""


@dataclass(frozen=True)
class SessionPage:
    entries: list[tuple[int, bool]]  # (post id, suggested)
    tail_before: int | None  # where the chronological tail starts once the session ends


async def read_page(
    redis: Redis,
    viewer_id: int,
    session: int,
    *,
    start: int,
    count: int,
    shown: int,
    now_ms: int,
    ttl_seconds: int,
    seen_ttl_seconds: int,
) -> SessionPage | None:
    """Up to `count` entries from position `start` (the first `shown` of them marked seen,
    the session's life renewed), in one round trip; None when the session is gone."""
    raw = await redis.register_script(_READ_PAGE)(
        keys=[keys.ranked_session(viewer_id, session), keys.ranked_seen(viewer_id)],
        args=[
            start,
            count,
            shown,
            now_ms,
            ttl_seconds,
            seen_ttl_seconds,
            SEEN_CAP,
            ENTRY_WIDTH,
            HEADER_WIDTH,
        ],
    )
    if raw is None:
        return None
    return SessionPage(_entries(raw[1]), _tail_of(raw[0]))
