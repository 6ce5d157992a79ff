"""Users and published posts for the likes and comments tests (the pattern of test_feed's
`Social`: posts are inserted as the media job leaves them, then the real fan-out job runs)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from resolvers.deps import Deps
from schema import global_id
from storage import jobs
from tests.client import GraphQLClient, Result

RunJobs = Callable[[], Awaitable[int]]

POST_COUNTS = """query($id: ID!) { post(id: $id) { likeCount commentCount viewerHasLiked } }"""
LIKE = "mutation($id: ID!) { likePost(postId: $id) { id likeCount viewerHasLiked } }"
UNLIKE = "mutation($id: ID!) { unlikePost(postId: $id) { id likeCount viewerHasLiked } }"
ADD_COMMENT = """mutation($id: ID!, $body: String!) {
  addComment(postId: $id, body: $body) { id body author { username } post { commentCount } }
}"""
DELETE_COMMENT = "mutation($id: ID!) { deleteComment(id: $id) }"


class Crowd:
    def __init__(self, gql: GraphQLClient, deps: Deps, run_jobs: RunJobs) -> None:
        self.gql, self.deps, self.run_jobs = gql, deps, run_jobs
        self.tokens: dict[str, str] = {}
        self.ids: dict[str, str] = {}

    async def user(self, name: str) -> str:
        self.tokens[name], self.ids[name] = await self.gql.register(name)
        return self.tokens[name]

    async def users(self, prefix: str, count: int) -> list[str]:
        names = [f"{prefix}{i:03d}" for i in range(count)]
        await asyncio.gather(*(self.user(name) for name in names))
        return names

    def raw_id(self, name: str) -> int:
        return global_id.decode_as(self.ids[name], "User", field="id")

    async def post(self, author: str, caption: str = "") -> str:
        """The global id of a published post, fanned out by the real job."""
        post_id: int = await self.deps.db.fetchval(
            "INSERT INTO posts (author_id, caption, status, published_at)"
            " VALUES ($1, $2, 'published', now()) RETURNING id",
            self.raw_id(author),
            caption,
        )
        await self.deps.db.execute(
            "UPDATE users SET post_count = post_count + 1 WHERE id = $1", self.raw_id(author)
        )
        await jobs.enqueue(self.deps.jobs, jobs.FANOUT_POST, post_id)
        await self.run_jobs()
        return global_id.encode("Post", post_id)

    async def make_private(self, name: str) -> None:
        (
            await self.gql(
                "mutation { updateProfile(input: {isPrivate: true}) { id } }",
                token=self.tokens[name],
            )
        ).ok()

    async def follow(self, follower: str, followee: str) -> str:
        result = await self.gql(
            "mutation($id: ID!) { follow(userId: $id) { status } }",
            {"id": self.ids[followee]},
            token=self.tokens[follower],
        )
        status: str = result.ok()["follow"]["status"]
        return status

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
