"""A user's grid of posts: the posts domain's listing of one author, newest first."""

from __future__ import annotations

from dataclasses import dataclass

from resolvers import cursors, post_cards
from resolvers.deps import Deps
from resolvers.errors import AppError
from resolvers.post_cards import EMPTY, CardPage
from storage import post_cards as post_card_statements
from storage.users import UserRow
from storage.visibility import Relation, Surface, may_see_content

# The grid's cursors have always carried the feed's kind; clients may hold some.
CURSOR_KIND = "feed"


def _cursor(post_id: int) -> str:
    return cursors.encode(CURSOR_KIND, post_id)


def _before(deps: Deps, first: int, after: str | None) -> int | None:
    cursors.check_first(first, deps.settings.max_page_size)
    return cursors.decode_id(after, CURSOR_KIND)


@dataclass(frozen=True)
class NamedGrid:
    """A grid page read by its owner's name, and its owner as its cards tell (with the
    viewer's relation to them); None when the page is empty and so could not tell."""

    page: CardPage
    owner: tuple[UserRow, Relation] | None


async def page_by_name(
    deps: Deps, username: str, viewer_id: int | None, *, first: int, after: str | None
) -> NamedGrid | None:
    """The grid page of the user named `username` (lower-case) read with its owner: every
    card carries the author and the viewer's relation to them, so a profile opened by name
    is one round trip, not the user and then the grid. None when `first` or `after` is not
    valid (or `first` is 0: no card would tell the owner), for `profile_page` to answer."""
    try:
        before = _before(deps, first, after)
    except AppError:
        return None
    if first == 0:
        return None
    found, has_next = await post_card_statements.listed(
        deps.db, post_card_statements.GRID_BY_NAME, username, viewer_id, before, first=first
    )
    if not found:
        return NamedGrid(EMPTY, None)
    owner, relation = found[0].author, found[0].relation
    if not may_see_content(relation):  # as profile_page decides before reading a grid
        return NamedGrid(EMPTY, (owner, relation))
    return NamedGrid(
        post_cards.card_page(found, has_next, Surface.PROFILE, _cursor), (owner, relation)
    )


async def profile_page(
    deps: Deps, owner: UserRow, *, relation: Relation, first: int, after: str | None
) -> CardPage:
    """A user's grid, newest first, as the viewer may see it, with its cards."""
    before = _before(deps, first, after)
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
