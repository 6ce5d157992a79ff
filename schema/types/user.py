from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, TypeVar

import strawberry

from resolvers import graph, profile_posts
from resolvers.post_cards import CardPage
from schema import global_id, lookahead
from schema.derived import Derived, derive
from schema.info import Info
from schema.types.connection import Connection
from schema.types.follow_status import FollowStatus
from schema.types.node import Node
from storage.users import UserRow
from storage.visibility import may_see_user

if TYPE_CHECKING:
    from schema.types.post_connection import PostConnection

R = TypeVar("R")
POSTS_FIRST = 12  # `posts` without `first`


@strawberry.type
class User(Node, Derived):
    row: strawberry.Private[UserRow]
    username: str
    display_name: str | None
    bio: str | None
    is_private: bool
    follower_count: int
    following_count: int
    post_count: int
    created_at: datetime
    is_moderator: bool
    # A page of `posts` read with the user (`named`).
    read_with: strawberry.Private[lookahead.ReadWith[CardPage] | None] = None

    @classmethod
    def from_row(cls, row: UserRow) -> User:
        # Fields are derived from the row when first read (`DERIVE` below).
        return cls.make(row=row)

    @classmethod
    async def named(cls, info: Info, username: str) -> User | None:
        """`user(username:)`: the profile if the viewer may see it. When its selection asks
        for `posts`, that page is read with it, in one round trip (a page with posts tells
        its owner; an empty one does not, and the user is then looked up by name)."""
        loaders = info.context.loaders
        name = username.strip().lower()
        read_with = None
        asked = lookahead.page_arguments(info, "posts", POSTS_FIRST)
        if asked is not None:
            first, after = asked
            grid = await profile_posts.page_by_name(
                info.context.deps, name, info.context.viewer_id, first=first, after=after
            )
            if grid is not None:
                read_with = lookahead.ReadWith(first, after, grid.page)
                if grid.owner is not None:  # told as the lookup by name would tell them
                    row, relation = grid.owner
                    loaders.user_by_username.prime(name, row)
                    loaders.user_by_id.know({row.id: row})
                    if info.context.viewer_id is not None:
                        loaders.relation_by_user_id.know({row.id: relation})
        user = await cls.visible(info, await loaders.user_by_username.load(name))
        if user is not None and read_with is not None:
            user.read_with = read_with
        return user

    @classmethod
    async def load(cls, info: Info, user_id: int) -> User | None:
        """The user, for fields whose owner was already found visible (authors and the like)."""
        row = await info.context.loaders.user_by_id.load(user_id)
        return None if row is None else cls.from_row(row)

    @classmethod
    async def visible(cls, info: Info, row: UserRow | None) -> User | None:
        """The profile if the viewer may see it (`user`, `node`): to someone they blocked, a
        user does not exist."""
        if row is None:
            return None
        relation = await info.context.loaders.relation_by_user_id.of(row)
        return cls.from_row(row) if may_see_user(relation, listed=False) else None

    @classmethod
    async def load_visible(cls, info: Info, user_id: int) -> User | None:
        return await cls.visible(info, await info.context.loaders.user_by_id.load(user_id))

    @strawberry.field(description="The viewer's relation to this user.")
    async def viewer_follow_status(self, info: Info) -> FollowStatus:
        relation = await info.context.loaders.relation_by_user_id.of(self.row)
        return FollowStatus.from_relation(graph.relation(relation.follow_state))

    @strawberry.field(description="False when not signed in.")
    async def viewer_has_blocked(self, info: Info) -> bool:
        return (await info.context.loaders.relation_by_user_id.of(self.row)).blocking

    @strawberry.field(description="False when not signed in. The muted user is not told.")
    async def viewer_has_muted(self, info: Info) -> bool:
        return (await info.context.loaders.relation_by_user_id.of(self.row)).muted

    async def _visible_page(
        self,
        info: Info,
        fetch: Callable[..., Awaitable[R]],
        first: int | None,
        default: int,
        after: str | None,
    ) -> R:
        """A list owned by this user, as the viewer may see it (the policy needs their
        relation)."""
        ctx = info.context
        return await fetch(
            ctx.deps,
            self.row,
            relation=await ctx.loaders.relation_by_user_id.of(self.row),
            first=default if first is None else first,
            after=after,
        )

    # Synchronous when the page came with the user (see Hashtag.posts).
    @strawberry.field(
        description="The profile grid: published posts, newest first.",
        # Post refers back to User
        graphql_type=Annotated["PostConnection", strawberry.lazy("schema.types.post_connection")],
    )
    def posts(
        self, info: Info, first: int | None = POSTS_FIRST, after: str | None = None
    ) -> PostConnection | Awaitable[PostConnection]:
        from schema.types.post_connection import card_connection

        asked = POSTS_FIRST if first is None else first
        read = self.read_with.page_for(asked, after) if self.read_with else None
        if read is not None:
            return card_connection(info, read)
        return self._read_posts(info, first, after)

    async def _read_posts(self, info: Info, first: int | None, after: str | None) -> PostConnection:
        from schema.types.post_connection import card_connection

        page = await self._visible_page(info, profile_posts.profile_page, first, POSTS_FIRST, after)
        return card_connection(info, page)

    @strawberry.field
    async def followers(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[User]:
        page = await self._visible_page(info, graph.followers, first, 20, after)
        return Connection.from_page(page, User.from_row)

    @strawberry.field
    async def following(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[User]:
        page = await self._visible_page(info, graph.following, first, 20, after)
        return Connection.from_page(page, User.from_row)


derive(
    User,
    {
        "id": lambda u: global_id.encode("User", u.row.id),
        "username": lambda u: u.row.username,
        "display_name": lambda u: u.row.display_name,
        "bio": lambda u: u.row.bio,
        "is_private": lambda u: u.row.is_private,
        "follower_count": lambda u: u.row.follower_count,
        "following_count": lambda u: u.row.following_count,
        "post_count": lambda u: u.row.post_count,
        "created_at": lambda u: u.row.created_at,
        "is_moderator": lambda u: u.row.is_moderator,
    },
    given={"row", "read_with"},
)
