"""Helpers for the likes and comments tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from schema import global_id
from tests.client import Result
from tests.social import Social

RunJobs = Callable[[], Awaitable[int]]

POST_COUNTS = """query($id: ID!) { post(id: $id) { likeCount commentCount viewerHasLiked } }"""
LIKE = "mutation($id: ID!) { likePost(postId: $id) { id likeCount viewerHasLiked } }"
UNLIKE = "mutation($id: ID!) { unlikePost(postId: $id) { id likeCount viewerHasLiked } }"
ADD_COMMENT = """mutation($id: ID!, $body: String!) {
  addComment(postId: $id, body: $body) { id body author { username } post { commentCount } }
}"""
DELETE_COMMENT = "mutation($id: ID!) { deleteComment(id: $id) }"


class Crowd(Social):
    """Social, plus what likes and comments tests need; posts are named by global id."""

    async def users(self, prefix: str, count: int) -> list[str]:
        names = [f"{prefix}{i:03d}" for i in range(count)]
        await asyncio.gather(*(self.user(name) for name in names))
        return names

    async def share(self, author: str, caption: str = "") -> str:
        """The global id of a published post, fanned out by the real job."""
        return global_id.encode("Post", await self.post(author, caption))

    async def make_private(self, name: str) -> None:
        (
            await self.gql(
                "mutation { updateProfile(input: {isPrivate: true}) { id } }",
                token=self.tokens[name],
            )
        ).ok()

    async def approve(self, owner: str, requester: str) -> None:
        result = await self.gql(
            "mutation($id: ID!) { approveFollowRequest(userId: $id) { id } }",
            {"id": self.ids[requester]},
            token=self.tokens[owner],
        )
        result.ok()

    async def call(self, name: str | None, query: str, **variables: Any) -> Result:
        return await self.gql(query, variables, token=self.tokens[name] if name else None)

    async def counts(self, post_id: str, viewer: str | None = None) -> dict[str, Any]:
        post: dict[str, Any] = (await self.call(viewer, POST_COUNTS, id=post_id)).ok()["post"]
        return post

    async def comment(self, name: str, post_id: str, body: str) -> str:
        result = await self.call(name, ADD_COMMENT, id=post_id, body=body)
        comment_id: str = result.ok()["addComment"]["id"]
        return comment_id
