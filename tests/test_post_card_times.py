"""A post card's timestamps (read as microseconds, storage/post_cards.py) are the instants
asyncpg reads from the same columns, to the microsecond, before 1970 and far ahead too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from resolvers.deps import Deps
from storage import post_cards

INSTANTS = {
    "now-ish, odd microseconds": datetime(2026, 11, 30, 13, 57, 29, 965_046, tzinfo=UTC),
    "a whole second": datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC),
    "the Unix epoch": datetime(1970, 1, 1, tzinfo=UTC),
    "a microsecond before it": datetime(1970, 1, 1, tzinfo=UTC) - timedelta(microseconds=1),
    "long before": datetime(1901, 12, 13, 20, 45, 52, 1, tzinfo=UTC),
    "far ahead": datetime(2262, 4, 11, 23, 47, 16, 854_775, tzinfo=UTC),
}


@pytest.mark.parametrize("instant", INSTANTS.values(), ids=INSTANTS.keys())
async def test_card_timestamps_are_the_columns_instants(deps: Deps, instant: datetime) -> None:
    author = await deps.db.fetchval(
        "INSERT INTO users (username, password_hash, created_at)"
        " VALUES ('timekeeper', 'x', $1) RETURNING id",
        instant + timedelta(microseconds=7),
    )
    post_id = await deps.db.fetchval(
        "INSERT INTO posts (author_id, caption, status, created_at)"
        " VALUES ($1, 'then', 'published', $2) RETURNING id",
        author,
        instant,
    )
    # Twice: the second read is served from the decoded values already seen.
    for _ in range(2):
        [card] = await post_cards.cards(deps.db, [post_id], author)
        again = (await post_cards.cards(deps.db, [post_id, post_id], None))[0]
        assert card.post.created_at == again.post.created_at == instant
        assert card.author.created_at == instant + timedelta(microseconds=7)
    native = await deps.db.fetchval("SELECT created_at FROM posts WHERE id = $1", post_id)
    assert card.post.created_at == native
    assert card.post.created_at.tzinfo is not None
