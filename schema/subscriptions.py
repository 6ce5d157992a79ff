from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from resolvers import accounts, live
from resolvers.accounts import hash_token
from resolvers.errors import AppError, ErrorCode, not_found
from schema import global_id
from schema.info import Info
from schema.types.post import Post

# graphql-transport-ws: the server closes with 4401 when the client is not authorised.
UNAUTHORIZED = 4401


async def _end_session(info: Info, error: AppError) -> None:
    """A revoked token ends its socket, not just this subscription."""
    if error.code is ErrorCode.UNAUTHENTICATED and info.context.close_socket is not None:
        await info.context.close_socket(UNAUTHORIZED, error.message)
        return
    raise error


async def _signed_in(info: Info) -> int | None:
    """The viewer, re-checked now: a socket outlives the token it opened with."""
    ctx = info.context
    viewer_id = ctx.require_viewer()
    if ctx.token is None or await accounts.authenticate(ctx.deps, ctx.token) is None:
        await _end_session(info, AppError(ErrorCode.UNAUTHENTICATED, "This session was signed out"))
        return None
    return viewer_id


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Each post that enters the viewer's home feed.")
    async def feed_updates(self, info: Info) -> AsyncGenerator[Post, None]:
        ctx = info.context
        viewer_id = await _signed_in(info)
        if viewer_id is None:
            return
        assert ctx.token is not None
        try:
            async for post_id in live.feed_updates(ctx.deps, viewer_id, hash_token(ctx.token)):
                ctx.renew_loaders()  # fresh data for every event
                post = await Post.load(info, post_id)
                if post is not None:
                    yield post
        except AppError as error:
            await _end_session(info, error)

    @strawberry.subscription(description="Status and count changes of one visible post.")
    async def post_updated(self, info: Info, id: strawberry.ID) -> AsyncGenerator[Post, None]:
        ctx = info.context
        if await _signed_in(info) is None:
            return
        post_id = global_id.decode_as(id, "Post", field="id")
        if await Post.load(info, post_id) is None:
            raise not_found("Post")
        token_hash = hash_token(ctx.token) if ctx.token else None
        try:
            async for _ in live.post_updates(ctx.deps, post_id, token_hash):
                ctx.renew_loaders()
                post = await Post.load(info, post_id)
                if post is None:  # deleted, or no longer visible to this viewer
                    return
                yield post
        except AppError as error:
            await _end_session(info, error)
