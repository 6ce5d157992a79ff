"""One owner, a viewer in every relation of the spec to them, and the owner's posts and stories
in every state of the spec: the world the visibility matrix probes.

Relations are made through the API (follows, approvals, blocks, mutes); states through the
storage functions the media job and moderators use, so counters stay true.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from resolvers import geo
from resolvers.deps import Deps
from schema import global_id
from storage import jobs, moderation, posts
from tests.client import GraphQLClient, Result
from tests.visibility_spec import POST_ROWS, STORY_ROWS

RunJobs = Callable[[], Awaitable[int]]

# The viewer playing each relation (anonymous sends no token).
SIGNED_IN = {
    "self": "owner",
    "approved follower": "fan",
    "pending requester": "asker",
    "stranger": "stranger",
    "blocked by": "shunned",
    "blocking": "blocker",
    "muted": "muter",
    "moderator": "mod",
}
FOLLOW = "mutation($id: ID!) { follow(userId: $id) { status } }"
APPROVE = "mutation($id: ID!) { approveFollowRequest(userId: $id) { id } }"
BLOCK = "mutation($id: ID!) { block(userId: $id) { id } }"
MUTE = "mutation($id: ID!) { mute(userId: $id) { id } }"
GO_PRIVATE = "mutation { updateProfile(input: {isPrivate: true}) { isPrivate } }"
# Each row's post goes through publish first (so fan-out puts it in feeds), then on.
# Where every post of the owner is tagged (for postsNear).
SPOT = (48.8566, 2.3522)
_AFTER_PUBLISH = {"FLAGGED": "flagged", "REMOVED": "removed"}


class World:
    def __init__(self, gql: GraphQLClient, deps: Deps, run_jobs: RunJobs) -> None:
        self.gql, self.deps, self.run_jobs = gql, deps, run_jobs
        self.tokens: dict[str, str] = {}
        self.ids: dict[str, str] = {}  # global ids
        self.raw_ids: dict[str, int] = {}
        self.posts: dict[str, int] = {}  # spec row -> post id
        self.media_gids: dict[str, str] = {}
        self.hub_comment_gids: dict[str, str] = {}  # row -> the hub's comment on that post
        self.story_gids: dict[str, str] = {}
        self.hub_post_gid = self.owner_comment_gid = self.live_url = ""

    @property
    def post_rows(self) -> list[str]:
        return list(self.posts)

    def post_gids(self) -> dict[str, str]:
        return {row: global_id.encode("Post", p) for row, p in self.posts.items()}

    async def call(self, viewer: str, query: str, **variables: Any) -> Result:
        return await self.gql(query, variables, token=self.tokens.get(viewer))

    async def _act(self, actor: str, mutation: str, target: str) -> None:
        (await self.call(actor, mutation, id=self.ids[target])).ok()

    async def build(self, *, private: bool) -> None:
        for name in (*SIGNED_IN.values(), "hub"):
            self.tokens[name], self.ids[name] = await self.gql.register(name)
            self.raw_ids[name] = global_id.decode_as(self.ids[name], "User", field="id")
        if private:
            (await self.call("owner", GO_PRIVATE)).ok()
        for follower in ("fan", "muter", "hub"):
            await self._act(follower, FOLLOW, "owner")
            if private:
                await self._act("owner", APPROVE, follower)
        await self._act("owner", FOLLOW, "hub")
        if private:
            await self._act("asker", FOLLOW, "owner")
        else:  # a public account approves at once; the row is what a request leaves
            await self.deps.db.execute(
                "INSERT INTO follows (follower_id, followee_id, state) VALUES ($1, $2, 'pending')",
                self.raw_ids["asker"],
                self.raw_ids["owner"],
            )
        assert await moderation.set_moderator(self.deps.db, "mod", moderator=True)
        await self._act("owner", BLOCK, "shunned")
        await self._act("blocker", BLOCK, "owner")
        await self._act("muter", MUTE, "owner")
        await self._posts(private)
        await self._comments()
        await self._stories(private)

    async def _posts(self, private: bool) -> None:
        db, owner = self.deps.db, self.raw_ids["owner"]
        for row, (status, privacies, _) in POST_ROWS.items():
            if private not in privacies:
                continue
            post_id = await db.fetchval(
                "INSERT INTO posts (author_id, caption, hashtags, latitude, longitude, geohash)"
                " VALUES ($1, $2, '{vis}', $3, $4, $5) RETURNING id",
                owner,
                f"#vis {row}",
                *SPOT,
                geo.encode(*SPOT),
            )
            self.posts[row] = post_id
            media_id = await db.fetchval(
                "INSERT INTO media (owner_id, kind, status, content_type, byte_size, post_id,"
                " position) VALUES ($1, 'photo', $2, 'image/jpeg', 1, $3, 0) RETURNING id",
                owner,
                "processing" if status == "processing" else "ready",
                post_id,
            )
            self.media_gids[row] = global_id.encode("Media", media_id)
            async with db.acquire() as conn, conn.transaction():
                if status == "failed":
                    assert await posts.fail(conn, post_id, "broken")
                elif status != "processing":
                    assert await posts.publish(conn, post_id) is not None
            if status != "processing" and status != "failed":
                await jobs.enqueue(self.deps.jobs, jobs.FANOUT_POST, post_id)
        await self.run_jobs()  # fan-out: every post that went live is in the feeds
        async with db.acquire() as conn, conn.transaction():
            for row, to in _AFTER_PUBLISH.items():
                changed = await moderation.set_status(
                    conn, self.posts[row], when=("published",), to=to, note="because"
                )
                assert changed == "published"
            assert await posts.soft_delete(conn, self.posts["deleted"]) == "published"

    async def _comments(self) -> None:
        db = self.deps.db
        hub_post = await self.sentinel_post("hub")
        self.hub_post_gid = global_id.encode("Post", hub_post)
        self.owner_comment_gid = global_id.encode(
            "Comment",
            await db.fetchval(
                "INSERT INTO comments (post_id, author_id, body) VALUES ($1, $2, 'by owner')"
                " RETURNING id",
                hub_post,
                self.raw_ids["owner"],
            ),
        )
        for row, post_id in self.posts.items():
            comment_id = await db.fetchval(
                "INSERT INTO comments (post_id, author_id, body) VALUES ($1, $2, 'by hub')"
                " RETURNING id",
                post_id,
                self.raw_ids["hub"],
            )
            self.hub_comment_gids[row] = global_id.encode("Comment", comment_id)

    async def _stories(self, private: bool) -> None:
        db, owner, now = self.deps.db, self.raw_ids["owner"], self.deps.clock()
        for row, (ready, expired, privacies) in STORY_ROWS.items():
            if private not in privacies:
                continue
            media_id = await db.fetchval(
                "INSERT INTO media (owner_id, kind, status, content_type, byte_size)"
                " VALUES ($1, 'photo', $2, 'image/jpeg', 1) RETURNING id",
                owner,
                "ready" if ready else "processing",
            )
            created = now - timedelta(hours=25 if expired else 1)
            story_id = await db.fetchval(
                "INSERT INTO stories (author_id, media_id, created_at, expires_at)"
                " VALUES ($1, $2, $3, $4) RETURNING id",
                owner,
                media_id,
                created,
                created + timedelta(hours=24),
            )
            self.story_gids[row] = global_id.encode("Story", story_id)

    async def sentinel_post(self, author: str) -> int:
        """A published post of `author`'s own, outside any feed."""
        post_id: int = await self.deps.db.fetchval(
            "INSERT INTO posts (author_id, caption, status, published_at)"
            " VALUES ($1, 'sentinel', 'published', now()) RETURNING id",
            self.raw_ids[author],
        )
        return post_id
