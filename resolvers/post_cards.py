"""Posts as screens show them, assembled a page at a time, and only those the viewer may see."""

from __future__ import annotations

from collections.abc import Sequence

from resolvers.deps import Deps
from resolvers.privacy import can_view_post
from storage import post_cards
from storage.post_cards import PostCard


async def visible(deps: Deps, viewer_id: int | None, post_ids: Sequence[int]) -> list[PostCard]:
    """Cards of the posts the viewer may see, in the order of `post_ids` (one round trip)."""
    found = await post_cards.cards(deps.db, post_ids, viewer_id)
    return [
        card
        for card in found
        if can_view_post(card.post.status, card.author, viewer_id, card.viewer_state)
    ]
