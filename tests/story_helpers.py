"""GraphQL documents and helpers shared by the story tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests import media_samples
from tests.client import GraphQLClient, upload

STORY_FIELDS = """id createdAt expiresAt viewerHasSeen
  author { username }
  media { id status url failureReason }"""
CREATE_STORY = f"mutation($m: ID!) {{ createStory(mediaId: $m) {{ {STORY_FIELDS} }} }}"
MARK_SEEN = f"mutation($s: ID!) {{ markStorySeen(storyId: $s) {{ {STORY_FIELDS} }} }}"
NODE = f"query($id: ID!) {{ node(id: $id) {{ ... on Story {{ {STORY_FIELDS} }} }} }}"
REELS = f"{{ storyReels {{ author {{ username }} hasUnseen stories {{ {STORY_FIELDS} }} }} }}"
FOLLOW = "mutation($id: ID!) { follow(userId: $id) { status } }"
APPROVE = "mutation($id: ID!) { approveFollowRequest(userId: $id) { username } }"
GO_PRIVATE = "mutation { updateProfile(input: {isPrivate: true}) { isPrivate } }"


class FakeClock:
    """Stands in for `deps.clock`: time moves only when a test says so."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


async def share(gql: GraphQLClient, token: str, data: bytes | None = None) -> dict[str, Any]:
    """Upload a photo (a small JPEG by default) and make it a story; returns the story."""
    media_id = await upload(gql, token, data or media_samples.jpeg(48, 32), "image/jpeg")
    story: dict[str, Any] = (await gql(CREATE_STORY, {"m": media_id}, token=token)).ok()[
        "createStory"
    ]
    return story


async def reels(gql: GraphQLClient, token: str) -> list[dict[str, Any]]:
    tray: list[dict[str, Any]] = (await gql(REELS, token=token)).ok()["storyReels"]
    return tray


async def tray_of(gql: GraphQLClient, token: str) -> list[tuple[str, list[str]]]:
    """(author, story ids oldest first) per reel, in tray order."""
    return [
        (reel["author"]["username"], [s["id"] for s in reel["stories"]])
        for reel in await reels(gql, token)
    ]
