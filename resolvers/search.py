"""Search: users by username prefix and hashtags by name prefix."""

from __future__ import annotations

from dataclasses import dataclass, field

from resolvers import cursors, places
from resolvers.deps import Deps
from resolvers.errors import bad_input
from storage import hashtags
from storage import search as store
from storage.hashtags import HashtagRow
from storage.places import PlaceRow
from storage.users import UserRow

QUERY_MAX = 50


@dataclass(frozen=True)
class SearchResults:
    users: list[UserRow]
    hashtags: list[HashtagRow]
    places: list[PlaceRow] = field(default_factory=list)


def clean_query(raw: str) -> str:
    query = raw.strip().lower()
    if not 1 <= len(query) <= QUERY_MAX:
        raise bad_input(f"`query` must be 1 to {QUERY_MAX} characters", field="query")
    return query


def user_prefix(query: str) -> str:
    """`@ada` finds ada, as people type it when they mention someone."""
    return query.removeprefix("@")


def hashtag_prefix(query: str) -> str:
    return query.removeprefix("#")


async def search(
    deps: Deps, raw_query: str, *, first: int, viewer_id: int | None = None
) -> SearchResults:
    """Up to `first` users and `first` hashtags; a bare '@' or '#' matches nothing of its kind
    (rather than everything), so a client may search while the user types.

    Tags are those with public posts, ranked by those; each shows how many of its posts the
    viewer may see. A tag used only in private posts is never suggested (not even to the
    followers who could see them), so a search reveals nothing about private accounts."""
    cursors.check_first(first, deps.settings.max_page_size)
    query = clean_query(raw_query)
    users_prefix, tags_prefix = user_prefix(query), hashtag_prefix(query)
    users, tags = [], []
    if users_prefix and first:
        users = await store.users_by_prefix(deps.db, users_prefix, limit=first, viewer_id=viewer_id)
    if tags_prefix and first:
        tags = await store.hashtags_by_prefix(deps.db, tags_prefix, limit=first)
        if tags and viewer_id is not None:
            names = [t.name for t in tags]
            # A tag whose public posts all come from accounts blocked either way with the
            # viewer leads to nothing they may see: not suggested, as `hashtag` is null.
            counted = await hashtags.visible_counts(deps.db, names, viewer_id=viewer_id)
            tags = [t for t in counted if t.post_count > 0]
    found = await places.search(deps, query, first=first, viewer_id=viewer_id)
    return SearchResults(users, tags, found)
