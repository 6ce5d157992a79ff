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
from schema.derived import Derived, derive
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
class Post(Node, Derived):
    """Built from a card: every field but `comments` is a plain attribute, derived from the
    card when first read (schema/derived.py)."""

    row: strawberry.Private[PostRow]
    card: strawberry.Private[PostCard]
    ctx: strawberry.Private[Context]
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
        # Fields are derived from the card when first read (`_DERIVE` below).
        return cls.make(row=card.post, card=card, ctx=ctx)

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


def _moderation_note(post: Post) -> str | None:
    relation = post.card.relation
    return post.row.moderation_note if relation.is_self or relation.moderator else None


derive(
    Post,
    {
        "id": lambda p: global_id.encode("Post", p.row.id),
        "caption": lambda p: p.row.caption,
        "hashtags": lambda p: list(p.row.hashtags),
        "location": lambda p: p.row.location,
        "place": lambda p: None if p.card.place is None else Place.from_row(p.card.place),
        "status": lambda p: _STATUSES[status_shown(p.card.relation, p.row.status)],
        "created_at": lambda p: p.row.created_at,
        "author": lambda p: User.from_row(p.card.author),
        "media": lambda p: [Media.from_row(m, p.ctx) for m in p.card.media],
        "like_count": lambda p: p.card.counts.likes,
        "comment_count": lambda p: p.card.counts.comments,
        "viewer_has_liked": lambda p: p.card.viewer_liked,
        "viewer_has_saved": lambda p: p.card.viewer_saved,
        "mentions": lambda p: [User.from_row(u) for u in p.card.mentions],
        "failure_reason": lambda p: (
            p.row.failure_reason if p.ctx.viewer_id == p.row.author_id else None
        ),
        "moderation_note": _moderation_note,
    },
    given={"row", "card", "ctx"},
)


def remember(info: Info, cards: Iterable[PostCard]) -> None:
    """What a page's cards already tell, for fields that look it up again: a post's
    `comments` (its visibility) and its author's relation to the viewer."""
    loaders = info.context.loaders
    cards = list(cards)
    loaders.post_card_by_id.know({card.post.id: card for card in cards})
    loaders.relation_by_user_id.know({card.author.id: card.relation for card in cards})


def ids_of(page: Page[PostRow]) -> Page[int]:
    return Page(items=[(cursor, row.id) for cursor, row in page.items], has_next=page.has_next)
