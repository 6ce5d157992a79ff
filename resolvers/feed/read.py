"""The home feed read path: cache, store, celebrity timelines, merged newest first."""

from __future__ import annotations

from resolvers import cursors
from resolvers.cursors import Page
from resolvers.deps import Deps
from resolvers.feed.hooks import rebuild
from resolvers.feed.merge import below, merge_newest
from storage import follows, posts
from storage.feed_cache import FEED_CACHE_SIZE, TIMELINE_SIZE, CachedRange, FeedRead
from storage.metrics import FEED_CACHE

CURSOR_KIND = "feed"
CELEBRITY_LIST_TTL = 300
_HIT, _MISS = FEED_CACHE.labels(result="hit"), FEED_CACHE.labels(result="miss")


def decode_cursor(after: str | None) -> int | None:
    return cursors.decode_id(after, CURSOR_KIND)


def encode_cursor(post_id: int) -> str:
    return cursors.encode(CURSOR_KIND, post_id)


async def feed_page(
    deps: Deps, viewer_id: int, *, stale: bool, first: int, after: str | None
) -> Page[int]:
    cursors.check_first(first, deps.settings.max_page_size)
    ids = await feed_ids(deps, viewer_id, stale=stale, before=decode_cursor(after), limit=first + 1)
    return cursors.page_of(ids, first, encode_cursor)


async def feed_ids(
    deps: Deps, viewer_id: int, *, stale: bool, before: int | None, limit: int
) -> list[int]:
    """Up to `limit` post ids of the viewer's home feed older than `before`, newest first."""
    if deps.settings.feed_strategy == "pull":
        return await posts.newest_from_all_followees(deps.db, viewer_id, before=before, limit=limit)
    if stale:
        await rebuild(deps, viewer_id)
    read = await deps.feed_cache.read_feed_and_celebrities(viewer_id, before=before, limit=limit)
    return await feed_ids_from(deps, viewer_id, read, before=before, limit=limit)


async def feed_ids_from(
    deps: Deps, viewer_id: int, read: FeedRead, *, before: int | None, limit: int
) -> list[int]:
    """`feed_ids` once the feed cache, celebrity list and (on a single node) celebrity
    timelines were read, with `before` and `limit` (by a script that may have read more:
    `FeedCache.FEED_READ_LUA`)."""
    if read.merged:  # the script found everything cached and merged the page itself
        _HIT.inc()
        return read.cached.ids[:limit]
    own = await _own_ids(deps, viewer_id, read.cached, before, limit)
    celebrities, timelines = read.celebrities, read.timelines
    if celebrities is None:
        celebrities = await follows.celebrity_followees(
            deps.db, viewer_id, threshold=deps.settings.celebrity_followers
        )
        await deps.feed_cache.set_celebrities(viewer_id, celebrities, CELEBRITY_LIST_TTL)
    if timelines is None and celebrities:
        timelines = await deps.feed_cache.read_timelines(celebrities, before=before, limit=limit)
    merged_in = await _celebrity_ids(deps, timelines or {}, before, limit)
    return merge_newest([own, merged_in], limit)


async def _own_ids(
    deps: Deps, viewer_id: int, cached: CachedRange, before: int | None, limit: int
) -> list[int]:
    (_HIT if cached.built else _MISS).inc()
    if cached.built:
        ids = cached.ids
        if len(ids) < limit and not cached.complete:
            # Past the cached newest ids: the store has the rest, scrolling never hits a wall.
            bound = ids[-1] if ids else before
            ids = ids + await deps.feeds.page(viewer_id, before=bound, limit=limit - len(ids))
        return ids
    if before is not None:
        return await deps.feeds.page(viewer_id, before=before, limit=limit)
    newest = await deps.feeds.page(viewer_id, before=None, limit=FEED_CACHE_SIZE)
    await deps.feed_cache.store_feed(viewer_id, newest)
    return (await _settle_cache(deps, viewer_id, newest))[:limit]


async def _settle_cache(deps: Deps, viewer_id: int, stored: list[int]) -> list[int]:
    """A cache just built from `stored` may miss a post: a fan-out (or a follow's backfill)
    that wrote the store after that read and looked for this cache before it was built
    skipped it. Whatever writes the store after a second read finds the cache built, so
    reading once more closes the gap: arrivals are added, and a cache that lost a post
    meanwhile (an unfollow, a block) is dropped for the next read to rebuild."""
    again = await deps.feeds.page(viewer_id, before=None, limit=FEED_CACHE_SIZE)
    if again == stored:
        return stored
    known, now = set(stored), set(again)
    # Below the second read's window, ids only fell out of it: they are not gone.
    floor = again[-1] if len(again) >= FEED_CACHE_SIZE else 0
    if any(p not in now and p > floor for p in stored):
        await deps.feed_cache.drop_feeds([viewer_id])
        return again
    await deps.feed_cache.merge_into_feed(viewer_id, [p for p in again if p not in known])
    return again


async def _celebrity_ids(
    deps: Deps, timelines: dict[int, CachedRange], before: int | None, limit: int
) -> list[int]:
    if not timelines:
        return []
    timelines = dict(timelines)  # rebuilt ones are filled in below
    missing = [a for a, t in timelines.items() if not t.built]
    sources: list[list[int]] = []
    if missing:
        rebuilt = await posts.newest_per_author(deps.db, missing, per_author=TIMELINE_SIZE)
        await deps.feed_cache.store_timelines(rebuilt)
        for author_id, newest in rebuilt.items():
            timelines[author_id] = CachedRange(
                built=True, ids=below(newest, before, limit), complete=len(newest) < TIMELINE_SIZE
            )
    # Scrolled past a timeline's cached window: one query covers every such author.
    deep = [a for a, t in timelines.items() if len(t.ids) < limit and not t.complete]
    if deep:
        sources.append(await posts.newest_ids_by_authors(deps.db, deep, before=before, limit=limit))
    sources.extend(t.ids for a, t in timelines.items() if a not in deep)
    return merge_newest(sources, limit)
