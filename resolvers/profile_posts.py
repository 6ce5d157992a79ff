"""A user's grid of posts: the posts domain's listing of one author, newest first."""

from __future__ import annotations

from resolvers import cursors, post_cards
from resolvers.deps import Deps
from resolvers.post_cards import EMPTY, CardPage
from storage import post_cards as post_card_statements
from storage.users import UserRow
from storage.visibility import Relation, Surface, may_see_content

# The grid's cursors have always carried the feed's kind; clients may hold some.
CURSOR_KIND = "feed"


def _cursor(post_id: int) -> str:
    return cursors.encode(CURSOR_KIND, post_id)


async def profile_page(
    deps: Deps, owner: UserRow, *, relation: Relation, first: int, after: str | None
) -> CardPage:
    """A user's grid, newest first, as the viewer may see it, with its cards."""
    cursors.check_first(first, deps.settings.max_page_size)
    before = cursors.decode_id(after, CURSOR_KIND)
    if not may_see_content(relation):  # no query for a grid that must be empty
        return EMPTY
    return await post_cards.listed_page(
        deps,
        post_card_statements.GRID,
        owner.id,
        relation.viewer_id,
        before,
        surface=Surface.PROFILE,
        first=first,
        cursor_of=_cursor,
    )
