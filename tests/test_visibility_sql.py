"""The policy's SQL fragments, run in PostgreSQL over real rows, against the README's spec."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from resolvers.deps import Deps
from storage.visibility import (
    Surface,
    post_visible_sql,
    story_visible_sql,
    user_listed_sql,
)
from tests.visibility_spec import POST_ROWS, RELATIONS, SPEC, STORY_ROWS

NOW = datetime(2026, 3, 1, tzinfo=UTC)
# Every relation but anonymous and self is one user, the same towards both owners.
VIEWERS = {
    "approved follower": "fan",
    "pending requester": "asker",
    "stranger": "stranger",
    "blocked by": "shunned",
    "blocking": "blocker",
    "muted": "muter",
    "moderator": "mod",
}
OWNERS = {False: "open", True: "closed"}  # by privacy


class World:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.ids: dict[str, int] = {}
        self.posts: dict[tuple[bool, str], int] = {}  # (private, spec row) -> post id
        self.stories: dict[tuple[bool, str], int] = {}

    async def build(self) -> None:
        db = self.deps.db
        for private, name in OWNERS.items():
            self.ids[name] = await db.fetchval(
                "INSERT INTO users (username, password_hash, is_private) VALUES ($1, 'x', $2)"
                " RETURNING id",
                name,
                private,
            )
        for name in VIEWERS.values():
            self.ids[name] = await db.fetchval(
                "INSERT INTO users (username, password_hash, is_moderator)"
                " VALUES ($1, 'x', $2) RETURNING id",
                name,
                name == "mod",
            )
        for owner in OWNERS.values():
            o = self.ids[owner]
            for viewer, state in (("fan", "active"), ("muter", "active"), ("asker", "pending")):
                await db.execute(
                    "INSERT INTO follows (follower_id, followee_id, state) VALUES ($1, $2, $3)",
                    self.ids[viewer],
                    o,
                    state,
                )
            await db.execute(
                "INSERT INTO blocks VALUES ($1, $2), ($3, $1)",
                o,
                self.ids["shunned"],
                self.ids["blocker"],
            )
            await db.execute("INSERT INTO mutes VALUES ($1, $2)", self.ids["muter"], o)
        for private, owner in OWNERS.items():
            for row, (status, privacies, deleted) in POST_ROWS.items():
                if private in privacies:
                    self.posts[(private, row)] = await db.fetchval(
                        "INSERT INTO posts (author_id, status, deleted_at)"
                        " VALUES ($1, $2, CASE WHEN $3 THEN now() END) RETURNING id",
                        self.ids[owner],
                        status,
                        deleted,
                    )
            for row, (ready, expired, privacies) in STORY_ROWS.items():
                if private in privacies:
                    self.stories[(private, row)] = await self._story(owner, ready, expired)

    async def _story(self, owner: str, ready: bool, expired: bool) -> int:
        db = self.deps.db
        media_id = await db.fetchval(
            "INSERT INTO media (owner_id, kind, status, content_type, byte_size)"
            " VALUES ($1, 'photo', $2, 'image/jpeg', 1) RETURNING id",
            self.ids[owner],
            "ready" if ready else "processing",
        )
        expires = NOW - timedelta(hours=1) if expired else NOW + timedelta(hours=1)
        story_id: int = await db.fetchval(
            "INSERT INTO stories (author_id, media_id, created_at, expires_at)"
            " VALUES ($1, $2, $3, $4) RETURNING id",
            self.ids[owner],
            media_id,
            expires - timedelta(hours=24),
            expires,
        )
        return story_id

    def viewer(self, relation: str, owner: str) -> int | None:
        if relation == "anonymous":
            return None
        return self.ids[owner] if relation == "self" else self.ids[VIEWERS[relation]]


@pytest.fixture
async def world(deps: Deps) -> World:
    built = World(deps)
    await built.build()
    return built


@pytest.mark.parametrize(
    "surface", [Surface.LOOKUP, Surface.PROFILE, Surface.HOME, Surface.DISCOVERY]
)
async def test_post_fragment(world: World, surface: Surface) -> None:
    sql = (
        "SELECT p.id FROM posts p JOIN users u ON u.id = p.author_id"
        f" WHERE p.author_id = $2 AND {post_visible_sql(surface, viewer='$1::bigint')}"
    )
    wrong = []
    for private, owner in OWNERS.items():
        for relation in RELATIONS:
            rows = await world.deps.db.fetch(sql, world.viewer(relation, owner), world.ids[owner])
            seen = {r["id"] for r in rows}
            for (post_private, row), post_id in world.posts.items():
                if post_private != private:
                    continue
                expected = surface.value in SPEC.posts[row][relation]
                if (post_id in seen) != expected:
                    wrong.append((owner, row, relation, expected))
    assert wrong == []


@pytest.mark.parametrize("surface", [Surface.LOOKUP, Surface.REELS])
async def test_story_fragment(world: World, surface: Surface) -> None:
    condition = story_visible_sql(surface, viewer="$1::bigint", now="$3")
    sql = (
        "SELECT s.id FROM stories s JOIN media m ON m.id = s.media_id"
        f" JOIN users u ON u.id = s.author_id WHERE s.author_id = $2 AND {condition}"
    )
    wrong = []
    for private, owner in OWNERS.items():
        for relation in RELATIONS:
            rows = await world.deps.db.fetch(
                sql, world.viewer(relation, owner), world.ids[owner], NOW
            )
            seen = {r["id"] for r in rows}
            for (story_private, row), story_id in world.stories.items():
                if story_private == private:
                    expected = surface.value in SPEC.stories[row][relation]
                    if (story_id in seen) != expected:
                        wrong.append((owner, row, relation, expected))
    assert wrong == []


async def test_user_list_fragment(world: World) -> None:
    sql = f"SELECT {user_listed_sql(viewer='$1::bigint', user='$2::bigint')}"
    for relation in RELATIONS:
        listed = await world.deps.db.fetchval(
            sql, world.viewer(relation, "open"), world.ids["open"]
        )
        assert listed is SPEC.users["in lists of users"][relation], relation
