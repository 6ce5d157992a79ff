"""Posts as screens show them, assembled a page at a time, and only those the viewer may see."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from resolvers.cursors import Page
from resolvers.deps import Deps
from storage import post_cards
from storage.post_cards import PostCard
from storage.visibility import Surface, may_see_post


@dataclass(frozen=True)
class CardPage:
    """A page of listed posts, and the cards (by post id) of those the viewer may see."""

    page: Page[int]
    cards: dict[int, PostCard]


EMPTY = CardPage(Page(items=[], has_next=False), {})


def shows(card: PostCard, surface: Surface) -> bool:
    """Whether the viewer the card was read for may see it on `surface`."""
    return may_see_post(card.relation, card.post.status, surface)


async def visible(
    deps: Deps, viewer_id: int | None, post_ids: Sequence[int], surface: Surface
) -> list[PostCard]:
    """Cards of the posts the viewer may see on `surface`, in the order of `post_ids` (one
    round trip)."""
    found = await post_cards.cards(deps.db, post_ids, viewer_id)
    return [card for card in found if shows(card, surface)]


def card_page(
    found: list[PostCard], has_next: bool, surface: Surface, cursor_of: Callable[[int], str]
) -> CardPage:
    """A page of a listing's cards. The listing applied the visibility policy in SQL; its
    Python twin filters the cards once more, as for every other page of posts."""
    return CardPage(
        Page(items=[(cursor_of(c.post.id), c.post.id) for c in found], has_next=has_next),
        {c.post.id: c for c in found if shows(c, surface)},
    )


async def listed_page(
    deps: Deps,
    statement: str,
    key: Any,
    viewer_id: int | None,
    *bounds: Any,
    surface: Surface,
    first: int,
    cursor_of: Callable[[int], str],
) -> CardPage:
    """A page of a listing (`storage.post_cards.GRID`, `TAGGED`) with its cards, in one
    round trip."""
    found, has_next = await post_cards.listed(
        deps.db, statement, key, viewer_id, *bounds, first=first
    )
    return card_page(found, has_next, surface, cursor_of)
