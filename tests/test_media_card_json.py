"""A post card's media are read from `media.card_json`, which a trigger writes with the row
(migrations/postgres/0023): they must be exactly the media as their columns hold them, in
every state a media row goes through, whoever wrote the row and in whatever time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from resolvers.deps import Deps
from storage import media, post_cards
from storage.media import MediaRow

BEFORE_1970 = datetime(1969, 7, 20, 20, 17, 40, 999_999, tzinfo=UTC)
VARIANTS = [
    {
        "size": "THUMB",
        "key": "media/1/s/thumb.webp",
        "width": 150,
        "height": 150,
        "content_type": "image/webp",
    },
    {
        "size": "FEED",
        "key": "media/1/s/feed.webp",
        "width": 1080,
        "height": 864,
        "content_type": "image/webp",
    },
]

# Each state: the columns a write sets (after the row was inserted pending).
WRITES: dict[str, dict[str, Any]] = {
    "pending": {},
    "processing": {"status": "processing"},
    "ready, with variants and a blurhash": {
        "status": "ready",
        "width": 1080,
        "height": 864,
        "blurhash": 'LEHV6nWB2yk8pyo0adR*.7kCMdnj "quoted" \\ and ünïcode',
        "phash": -9_223_372_036_854_775_808,
        "variants": VARIANTS,
    },
    "a video": {
        "kind": "video",
        "status": "ready",
        "content_type": "video/mp4",
        "duration_ms": 12_345,
        "video_key": "media/1/s/video.mp4",
    },
    "failed": {"status": "failed", "failure_reason": "not an image\nat all"},
    "edited: filter and crop": {
        "filter": "moon",
        "crop": [0.1, 1 / 3, 0.8, 0.123456789012345],
    },
    "created before 1970": {"created_at": BEFORE_1970},
}


async def _author_and_post(deps: Deps, username: str) -> tuple[int, int]:
    author = await deps.db.fetchval(
        "INSERT INTO users (username, password_hash) VALUES ($1, 'x') RETURNING id", username
    )
    post_id = await deps.db.fetchval(
        "INSERT INTO posts (author_id, caption, status) VALUES ($1, 'hi', 'published')"
        " RETURNING id",
        author,
    )
    return author, post_id


async def _native(deps: Deps, media_id: int) -> MediaRow:
    record = await deps.db.fetchrow(
        f"SELECT {media.COLUMNS} FROM media m WHERE m.id = $1", media_id
    )
    return MediaRow.from_record(record)


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Chatham"])
@pytest.mark.parametrize("state", WRITES.values(), ids=WRITES.keys())
async def test_card_media_are_the_rows_columns(
    deps: Deps, state: dict[str, Any], zone: str
) -> None:
    author, post_id = await _author_and_post(deps, "framer")
    async with deps.db.acquire() as conn, conn.transaction():
        # SET LOCAL: the writer's own time zone, which the JSON must not carry.
        await conn.execute(f"SET LOCAL TimeZone = '{zone}'")
        first, second = [
            await conn.fetchval(
                "INSERT INTO media (owner_id, kind, content_type, byte_size, post_id, position)"
                " VALUES ($1, 'photo', 'image/jpeg', 2048, $2, $3) RETURNING id",
                author,
                post_id,
                position,
            )
            for position in (1, 0)  # inserted out of carousel order
        ]
        if state:
            names = list(state)
            assignments = ", ".join(f"{name} = ${i + 2}" for i, name in enumerate(names))
            await conn.execute(
                f"UPDATE media SET {assignments} WHERE id = $1", first, *state.values()
            )
    [card] = await post_cards.cards(deps.db, [post_id], author)
    [page_card, _] = await post_cards.cards(deps.db, [post_id, post_id], None)
    expected = (await _native(deps, second), await _native(deps, first))
    assert card.media == expected
    assert page_card.media == expected
    for name, value in state.items():
        read = getattr(card.media[1], name)
        if name == "variants":
            assert [v.to_json() for v in read] == value
        elif name == "crop":
            assert list(read) == value  # floats exactly as written
        else:
            assert read == value, name
    assert card.media[1].created_at.utcoffset() == timedelta(0)


async def test_a_post_without_media_has_none(deps: Deps) -> None:
    _, post_id = await _author_and_post(deps, "bare")
    [card] = await post_cards.cards(deps.db, [post_id], None)
    assert card.media == ()
