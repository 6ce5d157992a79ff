"""Timestamps read as microseconds (storage/instants.py) are the instants asyncpg reads
from the same columns, to the microsecond, before 1970 and far ahead too: a post card's
post and author, a comment page's author."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from resolvers.deps import Deps
from storage import comments, post_cards

INSTANTS = {
    "now-ish, odd microseconds": datetime(2026, 11, 30, 13, 57, 29, 965_046, tzinfo=UTC),
    "a whole second": datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC),
    "the Unix epoch": datetime(1970, 1, 1, tzinfo=UTC),
    "a microsecond before it": datetime(1970, 1, 1, tzinfo=UTC) - timedelta(microseconds=1),
    "long before": datetime(1901, 12, 13, 20, 45, 52, 1, tzinfo=UTC),
    "far ahead": datetime(2262, 4, 11, 23, 47, 16, 854_775, tzinfo=UTC),
}
JOINED = timedelta(microseconds=7)  # the author's instant, a little after the post's


@pytest.mark.parametrize("instant", INSTANTS.values(), ids=INSTANTS.keys())
async def test_page_timestamps_are_the_columns_instants(deps: Deps, instant: datetime) -> None:
    author = await deps.db.fetchval(
        "INSERT INTO users (username, password_hash, created_at)"
        " VALUES ('timekeeper', 'x', $1) RETURNING id",
        instant + JOINED,
    )
    post_id = await deps.db.fetchval(
        "INSERT INTO posts (author_id, caption, status, created_at)"
        " VALUES ($1, 'then', 'published', $2) RETURNING id",
        author,
        instant,
    )
    await deps.db.execute(
        "INSERT INTO comments (post_id, author_id, body) VALUES ($1, $2, 'me')", post_id, author
    )
    native_post, native_author = await deps.db.fetchrow(
        "SELECT p.created_at, u.created_at FROM posts p JOIN users u ON u.id = p.author_id"
        " WHERE p.id = $1",
        post_id,
    )
    assert (native_post, native_author) == (instant, instant + JOINED)
    # Twice: the second read is served from the instants already seen.
    for _ in range(2):
        [card] = await post_cards.cards(deps.db, [post_id], author)
        two = await post_cards.cards(deps.db, [post_id, post_id], None)
        [[(_, commenter)]] = await comments.pages(
            deps.db, [comments.PageKey(post_id, None, 20)], None
        )
        for read in (card, *two):
            assert read.post.created_at == native_post
            assert read.author.created_at == native_author
        assert commenter.created_at == native_author
        assert card.post.created_at.utcoffset() == timedelta(0)
