"""Helpers for the notification, mention and saved-post tests."""

from __future__ import annotations

from typing import Any

from tests import media_samples
from tests.client import create_post, upload
from tests.engagement_helpers import Crowd
from workers.notifications import fold

NOTIFICATIONS = """query($first: Int, $after: String) {
  notifications(first: $first, after: $after) {
    edges { cursor node {
      id kind actorCount read createdAt
      actors { username }
      post { id caption }
      comment { id body }
    } }
    pageInfo { hasNextPage endCursor }
  }
  unreadNotificationCount
}"""
MARK_READ = "mutation($upTo: ID) { markNotificationsRead(upTo: $upTo) }"
LIKE = "mutation($id: ID!) { likePost(postId: $id) { id } }"
UNLIKE = "mutation($id: ID!) { unlikePost(postId: $id) { id } }"
UNFOLLOW = "mutation($id: ID!) { unfollow(userId: $id) { status } }"
BLOCK = "mutation($id: ID!) { block(userId: $id) { id } }"


class Activity(Crowd):
    """Crowd, plus the fold job and the activity tab."""

    async def fold(self) -> int:
        """What a worker's cron does every second: the outbox into notifications."""
        return await fold(self.deps)

    async def tab(self, name: str, first: int = 20, after: str | None = None) -> dict[str, Any]:
        data: dict[str, Any] = (await self.call(name, NOTIFICATIONS, first=first, after=after)).ok()
        return data

    async def notifications(self, name: str, first: int = 20) -> list[dict[str, Any]]:
        """Folds first, then the user's notifications, newest first."""
        await self.fold()
        tab = await self.tab(name, first)
        return [e["node"] for e in tab["notifications"]["edges"]]

    async def unread(self, name: str) -> int:
        await self.fold()
        count: int = (await self.tab(name, 1))["unreadNotificationCount"]
        return count

    async def like(self, name: str, post_id: str) -> None:
        (await self.call(name, LIKE, id=post_id)).ok()

    async def unlike(self, name: str, post_id: str) -> None:
        (await self.call(name, UNLIKE, id=post_id)).ok()

    async def publish(self, author: str, caption: str | None = None) -> str:
        """A post through the real path (createPost, then the media job publishes it)."""
        token = self.tokens[author]
        media_id = await upload(self.gql, token, media_samples.jpeg(64, 48), "image/jpeg")
        result = await create_post(self.gql, token, [media_id], caption=caption)
        post_id: str = result.ok()["createPost"]["id"]
        await self.run_jobs()
        return post_id


def summary(notes: list[dict[str, Any]]) -> list[tuple[str, int, list[str]]]:
    """(kind, actorCount, actor usernames) of each notification, newest first."""
    return [(n["kind"], n["actorCount"], [a["username"] for a in n["actors"]]) for n in notes]
