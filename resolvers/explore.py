"""Explore: recent public posts ranked by engagement with time decay.

A periodic job ranks the candidates and stores the result in Redis as a versioned snapshot;
a request only reads it. A cursor names its snapshot and a position in it, so paging keeps
using the snapshot it started on: no repeats or gaps when a refresh lands in between.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from resolvers import cursors, post_cards
from resolvers.deps import Deps
from resolvers.errors import bad_input
from resolvers.post_cards import CardPage
from resolvers.ranking import COMMENT_WEIGHT, LIKE_WEIGHT, rank
from storage import explore, explore_snapshots
from storage import post_cards as post_card_statements
from storage.explore_snapshots import Entry
from storage.post_cards import PostCard
from storage.visibility import Surface

logger = logging.getLogger("snapfeed.explore")

CURSOR_KIND = "explore"
WINDOW = timedelta(days=7)
SNAPSHOT_SIZE = 1000
# The decay is applied to this many of the window's most engaged posts, so the job's cost
# stays bounded however busy the week was.
CANDIDATE_POOL = 5000
SNAPSHOT_TTL_SECONDS = 30 * 60
# An empty ranking (a new instance, a quiet week) is kept only this long: the first read
# after it expires ranks again, so the first posts show up without waiting for the next
# periodic refresh.
EMPTY_SNAPSHOT_TTL_SECONDS = 5
# Snapshot entries read per round trip; entries the viewer must not get are skipped, so a
# page may need more than one read.
MIN_CHUNK = 50


async def refresh(deps: Deps) -> int:
    """Rank the candidates and store them as the current snapshot; returns its version."""
    now = deps.clock()
    rows = await explore.candidates(
        deps.db,
        since=now - WINDOW,
        like_weight=LIKE_WEIGHT,
        comment_weight=COMMENT_WEIGHT,
        limit=CANDIDATE_POOL,
    )
    ranked = rank(rows, now, SNAPSHOT_SIZE)
    version = await explore_snapshots.store(
        deps.redis,
        [Entry(c.post_id, c.author_id) for c in ranked],
        ttl_seconds=SNAPSHOT_TTL_SECONDS if ranked else EMPTY_SNAPSHOT_TTL_SECONDS,
        previous_ttl_seconds=SNAPSHOT_TTL_SECONDS,
    )
    logger.debug("explore snapshot %d: %d of %d candidates", version, len(ranked), len(rows))
    return version


def encode_cursor(version: int, position: int) -> str:
    return cursors.encode(CURSOR_KIND, version, position)


def decode_cursor(after: str) -> tuple[int, int]:
    version, position = cursors.decode(after, CURSOR_KIND, (int, int))
    assert isinstance(version, int) and isinstance(position, int)
    if version < 1 or position < 0:
        raise bad_input("Invalid cursor", field="after")
    return version, position


async def explore_page(
    deps: Deps, viewer_id: int | None, *, first: int, after: str | None
) -> CardPage:
    """A page of the ranked snapshot with its cards, without the viewer's own posts and
    those of accounts they follow (those are in their home feed), re-checked against the
    visibility policy: one statement per chunk of the snapshot read."""
    cursors.check_first(first, deps.settings.max_page_size)
    chunk = max(MIN_CHUNK, 2 * (first + 1))
    read_ahead: list[int] | None = None  # the first chunk's posts, read with the version
    if after is not None:
        version, position = decode_cursor(after)
    else:
        current = await explore_snapshots.read_current(deps.redis, count=chunk)
        if current is None:
            version = await refresh(deps)
        else:
            version, read_ahead = current
        position = 0

    found: list[PostCard] = []
    positions: dict[int, int] = {}  # post id -> its position after the item
    has_next = refreshed = False
    while True:
        if read_ahead is not None:
            post_ids: list[int] | None = read_ahead
            read_ahead = None
        else:
            post_ids = await explore_snapshots.read(
                deps.redis, version, start=position, count=chunk
            )
        if post_ids is None:
            if after is not None:
                raise bad_input(
                    "This explore page has expired; load explore again from the first page",
                    field="after",
                )
            if refreshed:
                break
            # The pointer outlived its snapshot (no refresh for a while): rank now.
            version, refreshed = await refresh(deps), True
            continue
        for offset, post_id in enumerate(post_ids, start=position + 1):
            positions.setdefault(post_id, offset)
        # Deleted, flagged, gone private or blocked since the snapshot, or now the viewer's
        # own or followed: skipped by the statement, the page stays full.
        cards, has_next = await post_card_statements.listed(
            deps.db,
            post_card_statements.EXPLORED,
            post_ids,
            viewer_id,
            first=first - len(found),
        )
        found.extend(cards)
        position += len(post_ids)
        if has_next or len(post_ids) < chunk:
            break
        chunk *= 2
    return post_cards.card_page(
        found,
        has_next,
        Surface.DISCOVERY,
        lambda post_id: encode_cursor(version, positions[post_id]),
    )
