"""Helpers for the explore, hashtag and search tests: users over HTTP, posts published through
the real `storage.posts.publish` (what the media job runs), engagement inserted with SQL."""

from __future__ import annotations

from datetime import datetime, timedelta

from resolvers.deps import Deps
from resolvers.hashtags import parse_hashtags
from schema import global_id
from storage import posts
from tests.client import GraphQLClient

FOLLOW = "mutation($id: ID!) { follow(userId: $id) { status } }"
APPROVE = "mutation($id: ID!) { approveFollowRequest(userId: $id) { username } }"
GO_PRIVATE = "mutation { updateProfile(input: {isPrivate: true}) { isPrivate } }"
DELETE = "mutation($id: ID!) { deletePost(id: $id) }"
FANS = 200  # enough distinct users to like or comment on any test post


class Discovery:
    def __init__(self, gql: GraphQLClient, deps: Deps) -> None:
        self.gql, self.deps = gql, deps
        self.tokens: dict[str, str] = {}
        self.ids: dict[str, str] = {}
        self.captions: dict[int, str] = {}
        self._fans: list[int] = []
        self._engaged: dict[tuple[int, str], int] = {}  # (post, counter) -> fans used so far

    async def user(self, name: str, *, private: bool = False) -> str:
        self.tokens[name], self.ids[name] = await self.gql.register(name)
        if private:
            await self.go_private(name)
        return self.tokens[name]

    def raw_id(self, name: str) -> int:
        return global_id.decode_as(self.ids[name], "User", field="id")

    async def go_private(self, name: str) -> None:
        (await self.gql(GO_PRIVATE, token=self.tokens[name])).ok()

    async def follow(self, follower: str, followee: str) -> str:
        result = await self.gql(FOLLOW, {"id": self.ids[followee]}, token=self.tokens[follower])
        status: str = result.ok()["follow"]["status"]
        return status

    async def approve(self, owner: str, requester: str) -> None:
        (await self.gql(APPROVE, {"id": self.ids[requester]}, token=self.tokens[owner])).ok()

    async def post(self, author: str, caption: str, *, created_at: datetime | None = None) -> int:
        """A post stored as createPost leaves it, then published as the media job does."""
        post_id: int = await self.deps.db.fetchval(
            "INSERT INTO posts (author_id, caption, hashtags) VALUES ($1, $2, $3) RETURNING id",
            self.raw_id(author),
            caption,
            parse_hashtags(caption),
        )
        async with self.deps.db.acquire() as conn, conn.transaction():
            assert await posts.publish(conn, post_id) is not None
        if created_at is not None:
            await self.deps.db.execute(
                "UPDATE posts SET created_at = $2 WHERE id = $1", post_id, created_at
            )
        self.captions[post_id] = caption
        return post_id

    async def processing_post(self, author: str, caption: str) -> int:
        post_id: int = await self.deps.db.fetchval(
            "INSERT INTO posts (author_id, caption, hashtags) VALUES ($1, $2, $3) RETURNING id",
            self.raw_id(author),
            caption,
            parse_hashtags(caption),
        )
        return post_id

    async def delete(self, author: str, post_id: int) -> None:
        result = await self.gql(
            DELETE, {"id": global_id.encode("Post", post_id)}, token=self.tokens[author]
        )
        assert result.ok()["deletePost"] is True

    async def engage(self, post_id: int, *, likes: int = 0, comments: int = 0) -> None:
        """More like and comment rows by distinct fans, and their counter shards."""
        if not self._fans:
            records = await self.deps.db.fetch(
                "INSERT INTO users (username, password_hash)"
                " SELECT 'fan' || lpad(g::text, 4, '0'), 'x' FROM generate_series(1, $1) g"
                " RETURNING id",
                FANS,
            )
            self._fans = [r["id"] for r in records]
        liked, commented = (
            self._fans_for(post_id, "likes", likes),
            self._fans_for(post_id, "comments", comments),
        )
        await self.deps.db.execute(
            "INSERT INTO likes (post_id, user_id) SELECT $1, unnest($2::bigint[])", post_id, liked
        )
        await self.deps.db.execute(
            "INSERT INTO comments (post_id, author_id, body)"
            " SELECT $1, unnest($2::bigint[]), 'nice'",
            post_id,
            commented,
        )
        for counter, total in (("likes", likes), ("comments", comments)):
            # Spread over two shards: the counts are their sums.
            for shard, value in ((3, total // 2), (11, total - total // 2)):
                await self.deps.db.execute(
                    "INSERT INTO post_counter_shards (post_id, counter, shard, value)"
                    " VALUES ($1, $2, $3, $4) ON CONFLICT (post_id, counter, shard)"
                    " DO UPDATE SET value = post_counter_shards.value + $4",
                    post_id,
                    counter,
                    shard,
                    value,
                )

    def _fans_for(self, post_id: int, counter: str, count: int) -> list[int]:
        used = self._engaged.get((post_id, counter), 0)
        assert used + count <= FANS
        self._engaged[(post_id, counter)] = used + count
        return self._fans[used : used + count]


def hours_ago(now: datetime, hours: float) -> datetime:
    return now - timedelta(hours=hours)
