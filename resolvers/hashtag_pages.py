"""A hashtag's page: how many of its posts the viewer may see, and those posts, newest first."""

from __future__ import annotations

from resolvers import cursors, post_cards
from resolvers.deps import Deps
from resolvers.errors import AppError, bad_input
from resolvers.hashtags import MAX_HASHTAG_LENGTH, normalize_hashtag
from resolvers.post_cards import CardPage
from storage import hashtags
from storage import post_cards as post_card_statements
from storage.hashtags import HashtagRow
from storage.visibility import Surface

CURSOR_KIND = "hashtag"


def clean_name(raw: str) -> str:
    """`#Sunset`, `sunset` and ` SUNSET ` are one tag."""
    name = normalize_hashtag(raw)
    if not name:
        raise bad_input("A hashtag name must not be empty", field="name")
    if len(name) > MAX_HASHTAG_LENGTH:
        raise bad_input(f"A hashtag name is at most {MAX_HASHTAG_LENGTH} characters", field="name")
    return name


async def hashtag(deps: Deps, raw_name: str, *, viewer_id: int | None) -> HashtagRow | None:
    """The tag with the number of its posts the viewer may see; None when there are none
    (never used, all deleted, or only in posts hidden from the viewer: all look alike)."""
    row = await hashtags.visible_count(deps.db, clean_name(raw_name), viewer_id=viewer_id)
    return row if row.post_count > 0 else None


def _cursor(post_id: int) -> str:
    return cursors.encode(CURSOR_KIND, post_id)


def _before(deps: Deps, first: int, after: str | None) -> int | None:
    cursors.check_first(first, deps.settings.max_page_size)
    return cursors.decode_id(after, CURSOR_KIND)


async def hashtag_with_posts(
    deps: Deps, raw_name: str, *, viewer_id: int | None, first: int, after: str | None
) -> tuple[HashtagRow | None, CardPage] | None:
    """`hashtag` and its `posts_page` in one round trip: the page's rows carry the count. A
    page that comes back empty (no visible post, or past the last) asks for the count
    alone. None when `first` or `after` is not valid, for `posts_page` to say so."""
    name = clean_name(raw_name)
    try:
        before = _before(deps, first, after)
    except AppError:
        return None
    found, has_next, count = await post_card_statements.listed_counted(
        deps.db, post_card_statements.TAGGED_COUNTED, name, viewer_id, before, first=first
    )
    if count is None:
        row = await hashtags.visible_count(deps.db, name, viewer_id=viewer_id)
    else:
        row = HashtagRow(name, count)
    page = post_cards.card_page(found, has_next, Surface.DISCOVERY, _cursor)
    return (row if row.post_count > 0 else None), page


async def posts_page(
    deps: Deps, name: str, *, viewer_id: int | None, first: int, after: str | None
) -> CardPage:
    """The tag's posts the viewer may see in discovery, newest first, with their cards."""
    before = _before(deps, first, after)
    return await post_cards.listed_page(
        deps,
        post_card_statements.TAGGED,
        name,
        viewer_id,
        before,
        surface=Surface.DISCOVERY,
        first=first,
        cursor_of=_cursor,
    )
