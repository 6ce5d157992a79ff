"""The ranked home feed: a session is ranked once, on its first page, and kept as a snapshot.

A first page (no `after`) gathers candidates (the viewer's own feed ids of the last
WINDOW_DAYS, as CHRONOLOGICAL has them; posts liked or commented on by people the viewer
follows; the newest posts of friends of friends), scores them (resolvers/feed/rank.py),
arranges them (resolvers/feed/mix.py) and stores the order in Redis. Cursors name that
session and a position in it, so a page 2 never repeats or skips page 1 whatever arrives
meanwhile; the next session (a first page again) ranks afresh and sees what arrived. Once
a session's posts run out, the feed goes on newest first below the oldest post it ranked,
with the chronological feed's cursors.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import NamedTuple

from resolvers import cursors
from resolvers.cursors import Page
from resolvers.deps import Deps
from resolvers.errors import AppError, bad_input
from resolvers.feed import suggestions
from resolvers.feed.hooks import rebuild
from resolvers.feed.mix import arrange
from resolvers.feed.rank import (
    FEED_CANDIDATES,
    WINDOW_DAYS,
    Candidates,
    ViewerSignals,
    parse_weights,
    rank,
)
from resolvers.feed.read import encode_cursor as chronological_cursor
from resolvers.feed.read import feed_ids, feed_ids_from
from storage import post_cards, ranked_feed
from storage.post_cards import PostCard
from storage.snowflake import first_id_at
from storage.visibility import Surface, may_see_post

CURSOR_KIND = "feedr"
CHRONOLOGICAL_KIND = "feed"
SESSION_TTL_SECONDS = 30 * 60  # renewed by every page read
SESSIONS_KEPT = 3  # per viewer (a phone and a laptop may page at once)
SEEN_TTL_SECONDS = (WINDOW_DAYS + 1) * 86_400
FOF_AUTHORS = 20  # friends of friends whose posts are candidates (the top suggestions)
POSTS_PER_FOF_AUTHOR = 3
DAY_MS = 86_400_000


class FeedItem(NamedTuple):
    post_id: int
    suggested: bool  # a SUGGESTED post (discovery); False: FOLLOWING


def encode_cursor(session: int, position: int) -> str:
    return cursors.encode(CURSOR_KIND, session, position)


def decode_cursor(after: str) -> tuple[int, int] | int:
    """(session, position) of a ranked cursor, or the post id of a chronological one (the
    tail after a session)."""
    try:
        session, position = cursors.decode(after, CURSOR_KIND, (int, int))
    except AppError:
        before = cursors.decode_id(after, CHRONOLOGICAL_KIND)
        assert before is not None
        return before
    assert isinstance(session, int) and isinstance(position, int)
    if session < 1 or position < 0:
        raise bad_input("Invalid cursor", field="after")
    return session, position


def may_suggest(card: PostCard) -> bool:
    """A SUGGESTED post must be fit for discovery and for the home feed (no muted author),
    and never from a private account."""
    rel, status = card.relation, card.post.status
    return (
        not rel.owner_private
        and may_see_post(rel, status, Surface.DISCOVERY)
        and may_see_post(rel, status, Surface.HOME)
    )


def shows(card: PostCard, suggested: bool) -> bool:
    if suggested:
        return may_suggest(card)
    return may_see_post(card.relation, card.post.status, Surface.HOME)


async def visible_cards(
    deps: Deps, viewer_id: int, items: Sequence[FeedItem]
) -> dict[int, PostCard]:
    """Cards of a page's posts the viewer may still see as they were ranked: a FOLLOWING
    post as the home feed shows posts, a SUGGESTED one while it is fit to suggest (one
    round trip)."""
    suggested = {item.post_id: item.suggested for item in items}
    found = await post_cards.cards(deps.db, list(suggested), viewer_id)
    return {c.post.id: c for c in found if shows(c, suggested[c.post.id])}


async def ranked_page(
    deps: Deps, viewer_id: int, *, stale: bool, first: int, after: str | None
) -> Page[FeedItem]:
    cursors.check_first(first, deps.settings.max_page_size)
    now_ms = int(deps.clock().timestamp() * 1000)
    if after is None:
        session, entries, tail_before = await new_session(
            deps, viewer_id, stale=stale, now_ms=now_ms, shown=first, page=first + 1
        )
        start = 0
    else:
        position = decode_cursor(after)
        if isinstance(position, int):  # past the session: newest first below its posts
            return await _tail(deps, viewer_id, [], before=position, first=first)
        session, start = position
        page = await ranked_feed.read_page(
            deps.redis,
            viewer_id,
            session,
            start=start,
            count=first + 1,
            shown=first,
            now_ms=now_ms,
            ttl_seconds=SESSION_TTL_SECONDS,
            seen_ttl_seconds=SEEN_TTL_SECONDS,
        )
        if page is None:
            raise bad_input(
                "This feed page has expired; load the feed again from the first page",
                field="after",
            )
        entries, tail_before = page.entries, page.tail_before
    items = [
        (encode_cursor(session, start + i + 1), FeedItem(post_id, suggested))
        for i, (post_id, suggested) in enumerate(entries)
    ]
    if len(items) > first:
        return Page(items=items[:first], has_next=True)
    return await _tail(deps, viewer_id, items, before=tail_before, first=first)


async def _tail(
    deps: Deps,
    viewer_id: int,
    items: list[tuple[str, FeedItem]],
    *,
    before: int | None,
    first: int,
) -> Page[FeedItem]:
    """Fill the page from the chronological feed below `before` (None: from the top)."""
    wanted = first + 1 - len(items)
    ids = await feed_ids(deps, viewer_id, stale=False, before=before, limit=wanted)
    items = items + [(chronological_cursor(p), FeedItem(p, False)) for p in ids]
    return Page(items=items[:first], has_next=len(items) > first)


async def new_session(
    deps: Deps, viewer_id: int, *, stale: bool, now_ms: int, shown: int, page: int
) -> tuple[int, list[tuple[int, bool]], int | None]:
    """Rank a new session and store it, its first `shown` posts marked seen; (session, its
    first `page` entries (post id, suggested), where its tail starts)."""
    min_id = first_id_at(now_ms - WINDOW_DAYS * DAY_MS)
    pull = deps.settings.feed_strategy == "pull"
    if stale and not pull:
        await rebuild(deps, viewer_id)
    # The feed's newest ids are read with the viewer's signals, in one round trip.
    read, state = await ranked_feed.read_state(
        deps.redis,
        deps.feed_cache,
        viewer_id,
        now_ms=now_ms,
        window_days=WINDOW_DAYS,
        min_id=min_id,
        feed_limit=FEED_CANDIDATES,
    )
    if pull:
        newest = await feed_ids(deps, viewer_id, stale=False, before=None, limit=FEED_CANDIDATES)
    else:
        newest = await feed_ids_from(deps, viewer_id, read, before=None, limit=FEED_CANDIDATES)
    followed = [p for p in newest if p >= min_id]
    tail_before = followed[-1] if followed else None
    fof = state.suggested
    if fof is None:
        fof = await suggestions.compute(deps, viewer_id)
    columns = await ranked_feed.candidates(
        deps.db,
        viewer_id,
        followed=followed,
        discovered=list(state.followee_engagement),
        fof_authors=fof[:FOF_AUTHORS],
        min_id=min_id,
        per_author=POSTS_PER_FOF_AUTHOR,
    )
    weights = parse_weights(deps.settings.feed_rank_weights)
    ids = columns.post_ids
    # A post the viewer already likes has been seen, whatever the surface.
    seen = state.seen | {p for p, liked in zip(ids, columns.liked, strict=True) if liked}
    ranking = rank(
        Candidates(
            ids,
            columns.author_ids,
            columns.followed,
            columns.engagement,
            columns.followers,
            columns.affinity,
            columns.author_posts,
            columns.mutual,
            columns.kinds,
        ),
        ViewerSignals(columns.kind_likes, seen, state.followee_engagement),
        weights,
        now_ms,
    )
    # Never suggest a post the viewer has been shown before.
    fresh = [i for i in ranking.suggested if ids[i] not in seen]
    order = arrange(
        ranking.followed, fresh, columns.author_ids, ranking.scores, floor=weights.suggested_floor
    )
    flags = columns.followed
    post_ids = [ids[i] for i in order]
    suggested = [not flags[i] for i in order]
    session = 1 + secrets.randbelow(2**31 - 1)
    await ranked_feed.store_session(
        deps.redis,
        viewer_id,
        session,
        post_ids,
        suggested,
        tail_before=tail_before,
        previous=state.sessions,
        keep=SESSIONS_KEPT,
        ttl_seconds=SESSION_TTL_SECONDS,
        shown=shown,
        now_ms=now_ms,
        seen_ttl_seconds=SEEN_TTL_SECONDS,
    )
    return (
        session,
        list(zip(post_ids[:page], suggested[:page], strict=True)),
        tail_before,
    )
