"""Posts as screens show them, assembled a page at a time, and only those the viewer may see."""

from __future__ import annotations

from collections.abc import Sequence

from resolvers.deps import Deps
from storage import post_cards
from storage.post_cards import PostCard
from storage.visibility import Surface, may_see_post


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
