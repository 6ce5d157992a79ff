"""Users and published posts for tests: posts are inserted as the media job leaves them
(PUBLISHED), then the real fan-out job runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from resolvers.deps import Deps
from schema import global_id
from storage import jobs
from tests.client import GraphQLClient

RunJobs = Callable[[], Awaitable[int]]

FEED = """query($first: Int, $after: String) { feed(first: $first, after: $after) {
  edges { cursor node { id caption author { username } media { url } } }
  pageInfo { hasNextPage endCursor }
} }"""
FOLLOW = "mutation($id: ID!) { follow(userId: $id) { status } }"


async def published_post(deps: Deps, author_id: int, caption: str) -> int:
    """A PUBLISHED post's row as the media job leaves it: no counter, no fan-out yet."""
    post_id: int = await deps.db.fetchval(
        "INSERT INTO posts (author_id, caption, status, published_at)"
        " VALUES ($1, $2, 'published', now()) RETURNING id",
        author_id,
        caption,
    )
    return post_id


class Social:
    """Users with tokens, and posts published through the real publish + fan-out path."""

    def __init__(self, gql: GraphQLClient, deps: Deps, run_jobs: RunJobs) -> None:
        self.gql, self.deps, self.run_jobs = gql, deps, run_jobs
        self.tokens: dict[str, str] = {}
        self.ids: dict[str, str] = {}

    async def user(self, name: str) -> str:
        self.tokens[name], self.ids[name] = await self.gql.register(name)
        return self.tokens[name]

    def raw_id(self, name: str) -> int:
        return global_id.decode_as(self.ids[name], "User", field="id")

    async def follow(self, follower: str, followee: str) -> str:
        result = await self.gql(FOLLOW, {"id": self.ids[followee]}, token=self.tokens[follower])
        status: str = result.ok()["follow"]["status"]
        return status

    async def post(self, author: str, caption: str) -> int:
        """A published post (rows as the media job leaves them), then the fan-out job."""
        post_id = await published_post(self.deps, self.raw_id(author), caption)
        await self.deps.db.execute(
            "UPDATE users SET post_count = post_count + 1 WHERE id = $1", self.raw_id(author)
        )
        await jobs.enqueue(self.deps.jobs, jobs.FANOUT_POST, post_id)
        await self.run_jobs()
        return post_id

    async def feed(self, name: str, first: int = 20, after: str | None = None) -> dict[str, Any]:
        result = await self.gql(FEED, {"first": first, "after": after}, token=self.tokens[name])
        feed: dict[str, Any] = result.ok()["feed"]
        return feed

    async def captions(self, name: str, first: int = 50) -> list[str]:
        return [e["node"]["caption"] for e in (await self.feed(name, first))["edges"]]

    async def make_inactive(self, name: str, days: int = 40) -> None:
        await self.deps.db.execute(
            "UPDATE users SET last_active_at = now() - make_interval(days => $2) WHERE id = $1",
            self.raw_id(name),
            days,
        )

    async def feed_rows(self, name: str) -> int:
        """Entries in the user's stored feed, whichever feed store `deps` uses."""
        return len(await self.deps.feeds.page(self.raw_id(name), before=None, limit=100_000))
