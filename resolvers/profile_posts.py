"""A user's grid of posts: the posts domain's listing of one author, newest first."""

from __future__ import annotations

from resolvers import cursors
from resolvers.cursors import Page
from resolvers.deps import Deps
from storage import posts
from storage.posts import PostRow
from storage.users import UserRow
from storage.visibility import Relation, may_see_content

# The grid's cursors have always carried the feed's kind; clients may hold some.
CURSOR_KIND = "feed"


async def profile_page(
    deps: Deps, owner: UserRow, *, relation: Relation, first: int, after: str | None
) -> Page[PostRow]:
    """A user's grid, newest first, as the viewer may see it."""
    cursors.check_first(first, deps.settings.max_page_size)
    before = cursors.decode_id(after, CURSOR_KIND)
    if not may_see_content(relation):  # no query for a grid that must be empty
        return Page(items=[], has_next=False)
    rows = await posts.profile_page(
        deps.db, owner.id, viewer_id=relation.viewer_id, before=before, limit=first + 1
    )
    return cursors.page_of(rows, first, lambda r: cursors.encode(CURSOR_KIND, r.id))
