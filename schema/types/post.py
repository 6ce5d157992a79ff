from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from resolvers import post_cards
from resolvers.cursors import Page
from schema import global_id
from schema.context import Context
from schema.enum_values import EnumValues
from schema.info import Info
from schema.types.connection import Connection
from schema.types.media import Media
from schema.types.node import Node
from schema.types.place import Place
from schema.types.post_status import PostStatus
from schema.types.user import User
from storage.post_cards import PostCard
from storage.posts import PostRow
from storage.visibility import Surface, status_shown

_STATUSES = EnumValues(PostStatus)

if TYPE_CHECKING:
    from schema.types.comment import Comment


@strawberry.type
class Post(Node):
    """Built whole from a card: every field but `comments` is a plain attribute."""

    row: strawberry.Private[PostRow]
    caption: str | None
    hashtags: list[str] = strawberry.field(description="Lower-case, without '#'.")
    location: str | None
    place: Place | None = strawberry.field(description="The tagged place, if any.")
    status: PostStatus
    created_at: datetime
    author: User
    media: list[Media] = strawberry.field(description="1 to 10 items, in carousel order.")
    like_count: int
    comment_count: int
    viewer_has_liked: bool = strawberry.field(description="False when not signed in.")
    viewer_has_saved: bool = strawberry.field(description="False when not signed in.")
    mentions: list[User] = strawberry.field(
        description="The caption's @usernames that name users the viewer may see, in order."
    )
    failure_reason: str | None = strawberry.field(
        description="Why processing failed; shown to the author only."
    )
    moderation_note: str | None = strawberry.field(
        description="Why a moderator removed the post; shown to its author and moderators."
    )

    @classmethod
    def from_card(cls, card: PostCard, ctx: Context) -> Post:
        row = card.post
        viewer_id = ctx.viewer_id
        return cls(
            row=row,
            id=strawberry.ID(global_id.encode("Post", row.id)),
            caption=row.caption,
            hashtags=list(row.hashtags),
            location=row.location,
            place=None if card.place is None else Place.from_row(card.place),
            status=_STATUSES[status_shown(card.relation, row.status)],
            created_at=row.created_at,
            author=User.from_row(card.author),
            media=[Media.from_row(m, ctx) for m in card.media],
            like_count=card.counts.likes,
            comment_count=card.counts.comments,
            viewer_has_liked=card.viewer_liked,
            viewer_has_saved=card.viewer_saved,
            mentions=[User.from_row(u) for u in card.mentions],
            failure_reason=row.failure_reason if viewer_id == row.author_id else None,
            moderation_note=row.moderation_note
            if card.relation.is_self or card.relation.moderator
            else None,
        )

    @classmethod
    async def load(cls, info: Info, post_id: int, surface: Surface = Surface.LOOKUP) -> Post | None:
        """The post if the viewer may see it on `surface`; None when missing, deleted or
        hidden."""
        card = await info.context.loaders.post_card_by_id.load(post_id)
        if card is None or not post_cards.shows(card, surface):
            return None
        return cls.from_card(card, info.context)

    @classmethod
    async def fresh(cls, info: Info, post_id: int) -> Post | None:
        """As `load`, after a write in this operation changed the post or its counts."""
        with contextlib.suppress(KeyError):  # not loaded yet in this operation
            info.context.loaders.post_card_by_id.clear(post_id)
        return await cls.load(info, post_id)

    @strawberry.field(description="Oldest first.")
    async def comments(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[Annotated[Comment, strawberry.lazy("schema.types.comment")]]:
        from schema.types.comment import comment_connection  # Comment refers back to Post

        return await comment_connection(
            info, self.row, first=20 if first is None else first, after=after
        )


def remember(info: Info, cards: Iterable[PostCard]) -> None:
    """What a page's cards already tell, for fields that look it up again: a post's
    `comments` (its visibility) and its author's relation to the viewer."""
    loaders = info.context.loaders
    cards = list(cards)
    loaders.post_card_by_id.prime_many({card.post.id: card for card in cards})
    loaders.relation_by_user_id.prime_many({card.author.id: card.relation for card in cards})


def ids_of(page: Page[PostRow]) -> Page[int]:
    return Page(items=[(cursor, row.id) for cursor, row in page.items], has_next=page.has_next)
