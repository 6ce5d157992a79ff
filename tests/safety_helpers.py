"""Helpers for the block, mute, report and moderation tests: people and posts (tests.social),
the safety mutations over HTTP, and graphql-transport-ws sockets against a real uvicorn."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from resolvers.deps import Deps
from resolvers.hashtags import parse_hashtags
from schema import global_id
from storage import jobs, keys, moderation, posts
from tests.client import Result
from tests.social import Social

BLOCK = "mutation($id: ID!) { block(userId: $id) { username viewerHasBlocked } }"
UNBLOCK = "mutation($id: ID!) { unblock(userId: $id) { username viewerHasBlocked } }"
MUTE = "mutation($id: ID!) { mute(userId: $id) { username viewerHasMuted } }"
UNMUTE = "mutation($id: ID!) { unmute(userId: $id) { username viewerHasMuted } }"
REPORT_POST = """mutation($id: ID!, $reason: ReportReason!, $note: String) {
  reportPost(postId: $id, reason: $reason, note: $note)
}"""
REPORT_COMMENT = """mutation($id: ID!, $reason: ReportReason!) {
  reportComment(commentId: $id, reason: $reason)
}"""
MODERATE = """mutation($id: ID!, $action: ModerationAction!, $note: String) {
  moderatePost(postId: $id, action: $action, note: $note) { id status moderationNote }
}"""
POST = "query($id: ID!) { post(id: $id) { id status caption moderationNote } }"
USER = """query($u: String!) { user(username: $u) {
  username viewerHasBlocked viewerHasMuted viewerFollowStatus isModerator
  followerCount followingCount
  posts { edges { node { caption } } }
  followers { edges { node { username } } }
  following { edges { node { username } } }
} }"""
APPROVE = "mutation($id: ID!) { approveFollowRequest(userId: $id) { username } }"
GO_PRIVATE = "mutation { updateProfile(input: {isPrivate: true}) { isPrivate } }"

PROTOCOL = "graphql-transport-ws"
WAIT = 15  # seconds: a liveness bound for a shared machine, not a latency assertion


class Safety(Social):
    """Social, plus blocks, mutes, reports, moderators and what people see."""

    async def publish(self, author: str, caption: str) -> int:
        """A post with its tags, published as the media job does (counters included), then
        fanned out by the real job."""
        post_id: int = await self.deps.db.fetchval(
            "INSERT INTO posts (author_id, caption, hashtags) VALUES ($1, $2, $3) RETURNING id",
            self.raw_id(author),
            caption,
            parse_hashtags(caption),
        )
        async with self.deps.db.acquire() as conn, conn.transaction():
            assert await posts.publish(conn, post_id) is not None
        await jobs.enqueue(self.deps.jobs, jobs.FANOUT_POST, post_id)
        await self.run_jobs()
        return post_id

    async def call(self, name: str | None, query: str, **variables: Any) -> Result:
        return await self.gql(query, variables, token=self.tokens[name] if name else None)

    async def act(self, name: str, mutation: str, target: str) -> Result:
        return await self.call(name, mutation, id=self.ids[target])

    async def block(self, name: str, target: str) -> None:
        (await self.act(name, BLOCK, target)).ok()

    async def mute(self, name: str, target: str) -> None:
        (await self.act(name, MUTE, target)).ok()

    async def approve(self, owner: str, requester: str) -> None:
        (await self.act(owner, APPROVE, requester)).ok()

    async def go_private(self, name: str) -> None:
        (await self.call(name, GO_PRIVATE)).ok()

    async def grant_moderator(self, name: str) -> None:
        assert await moderation.set_moderator(self.deps.db, name, moderator=True)

    async def profile(self, viewer: str | None, name: str) -> dict[str, Any] | None:
        user: dict[str, Any] | None = (await self.call(viewer, USER, u=name)).ok()["user"]
        return user

    async def seen_post(self, viewer: str | None, post_id: int) -> dict[str, Any] | None:
        post: dict[str, Any] | None = (
            await self.call(viewer, POST, id=global_id.encode("Post", post_id))
        ).ok()["post"]
        return post

    async def report(
        self, name: str, post_id: int, reason: str = "SPAM", note: str | None = None
    ) -> Result:
        return await self.call(
            name, REPORT_POST, id=global_id.encode("Post", post_id), reason=reason, note=note
        )

    async def moderate(
        self, name: str, post_id: int, action: str, note: str | None = None
    ) -> Result:
        return await self.call(
            name, MODERATE, id=global_id.encode("Post", post_id), action=action, note=note
        )

    async def status(self, post_id: int) -> str:
        status: str = await self.deps.db.fetchval("SELECT status FROM posts WHERE id = $1", post_id)
        return status

    async def cached_feed(self, name: str) -> list[int]:
        """Post ids in the user's Redis feed cache (empty when not cached)."""
        members = await self.deps.redis.zrange(keys.feed_cache(self.raw_id(name)), 0, -1)
        return sorted(int(m) for m in members if int(m))  # 0: the "built" sentinel

    async def stored_feed(self, name: str) -> list[int]:
        rows = await self.deps.db.fetch(
            "SELECT post_id FROM feed_items WHERE user_id = $1 ORDER BY post_id",
            self.raw_id(name),
        )
        return [r["post_id"] for r in rows]


async def connect(url: str, token: str | None) -> ClientConnection:
    ws = await websockets.connect(f"ws://{url}/graphql", subprotocols=[PROTOCOL])  # type: ignore[list-item]
    payload = {"authorization": f"Bearer {token}"} if token else {}
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    ack = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
    assert ack["type"] == "connection_ack", ack
    return ws


async def subscribe(
    ws: ClientConnection, query: str, variables: dict[str, Any] | None = None, op: str = "s1"
) -> None:
    payload = {"query": query, "variables": variables or {}}
    await ws.send(json.dumps({"id": op, "type": "subscribe", "payload": payload}))


async def receive(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
    return message


async def listening(deps: Deps, channels: int, prefix: str = "live:") -> None:
    """Wait until the server's pub/sub connection listens on `channels` channels under
    `prefix` (a message published earlier would be lost)."""
    for _ in range(1500):
        if len(await deps.redis.pubsub_channels(prefix + "*")) >= channels:
            return
        await asyncio.sleep(0.01)
    pytest.fail("the subscriptions never reached Redis")
