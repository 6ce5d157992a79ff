"""Nothing a viewer may not see leaks through a count, a search or an error code: hidden
items answer exactly as missing ones, and hashtag counts count only visible posts."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from resolvers.deps import Deps
from schema import global_id
from server.embedded import EmbeddedStack
from storage import migrations, posts
from tests import media_samples
from tests.client import GraphQLClient, create_post, upload
from tests.discovery import Discovery
from tests.story_helpers import CREATE_STORY, MARK_SEEN, share

RunJobs = Callable[[], Awaitable[int]]

HASHTAG = "query($n: String!) { hashtag(name: $n) { name postCount } }"
SEARCH = "query($q: String!) { search(query: $q) { hashtags { name postCount } } }"
GO_PUBLIC = "mutation { updateProfile(input: {isPrivate: false}) { isPrivate } }"
MISSING = 2**40  # an id nothing has


@pytest.fixture
def d(gql: GraphQLClient, deps: Deps) -> Discovery:
    return Discovery(gql, deps)


async def tag_count(d: Discovery, viewer: str | None, name: str) -> int | None:
    token = d.tokens[viewer] if viewer else None
    tag = (await d.gql(HASHTAG, {"n": name}, token=token)).ok()["hashtag"]
    return None if tag is None else int(tag["postCount"])


async def suggested(d: Discovery, viewer: str | None, query: str) -> list[tuple[str, int]]:
    token = d.tokens[viewer] if viewer else None
    found = (await d.gql(SEARCH, {"q": query}, token=token)).ok()["search"]["hashtags"]
    return [(t["name"], t["postCount"]) for t in found]


async def _people(d: Discovery) -> None:
    """`hidden` is private, `fan` an approved follower, `stranger` and `asker` are not."""
    for name in ("stranger", "fan", "asker", "open"):
        await d.user(name)
    await d.user("hidden", private=True)
    assert await d.follow("fan", "hidden") == "REQUESTED"
    await d.approve("hidden", "fan")
    assert await d.follow("asker", "hidden") == "REQUESTED"


async def test_a_tag_used_only_in_private_posts_is_neither_found_nor_suggested(
    d: Discovery,
) -> None:
    await _people(d)
    await d.post("hidden", "our #secretplan")
    for viewer in (None, "stranger", "asker"):
        # Exactly what a tag nobody ever used answers.
        assert await tag_count(d, viewer, "secretplan") is None
        assert await tag_count(d, viewer, "neverused") is None
        assert await suggested(d, viewer, "#secret") == []
    assert await tag_count(d, "fan", "secretplan") == 1
    assert await tag_count(d, "hidden", "secretplan") == 1


async def test_counts_are_what_the_viewer_may_see(d: Discovery) -> None:
    await _people(d)
    for i in range(2):
        await d.post("open", f"out #mixed {i}")
    for i in range(3):
        await d.post("hidden", f"in #mixed {i}")
    for viewer, count in [(None, 2), ("stranger", 2), ("asker", 2), ("fan", 5), ("hidden", 5)]:
        assert await tag_count(d, viewer, "mixed") == count, viewer
        assert await suggested(d, viewer, "#mix") == [("mixed", count)], viewer


async def test_counts_follow_an_account_going_private_and_back(d: Discovery, deps: Deps) -> None:
    for name in ("flipper", "stranger"):
        await d.user(name)
    first = await d.post("flipper", "#flip one")
    await d.post("flipper", "#flip two")
    assert await tag_count(d, "stranger", "flip") == 2
    await d.go_private("flipper")
    assert await tag_count(d, "stranger", "flip") is None
    assert await suggested(d, "stranger", "fli") == []
    assert await tag_count(d, "flipper", "flip") == 2
    await d.delete("flipper", first)  # deleted and published while private
    await d.post("flipper", "#flip three #brandnew")
    assert await tag_count(d, "flipper", "flip") == 2
    (await d.gql(GO_PUBLIC, token=d.tokens["flipper"])).ok()
    assert await tag_count(d, "stranger", "flip") == 2
    assert await tag_count(d, "stranger", "brandnew") == 1
    stored = await deps.db.fetch("SELECT name, post_count FROM hashtags ORDER BY name")
    assert [(r["name"], r["post_count"]) for r in stored] == [("brandnew", 1), ("flip", 2)]


async def test_counts_stay_right_when_publishes_race_privacy_changes(
    d: Discovery, deps: Deps
) -> None:
    await d.user("racer")
    ids = [await d.processing_post("racer", f"#race {i}") for i in range(24)]

    async def publish(post_id: int) -> None:
        async with deps.db.acquire() as conn, conn.transaction():
            assert await posts.publish(conn, post_id) is not None

    async def flip() -> None:
        for _ in range(3):
            await d.go_private("racer")
            (await d.gql(GO_PUBLIC, token=d.tokens["racer"])).ok()

    await asyncio.gather(*(publish(p) for p in ids), flip())
    assert await deps.db.fetchval("SELECT post_count FROM hashtags WHERE name = 'race'") == 24
    await d.go_private("racer")
    assert await deps.db.fetchval("SELECT post_count FROM hashtags WHERE name = 'race'") == 0


def _answer(result: Any) -> tuple[list[str], list[str]]:
    return result.codes, [e["message"] for e in result.errors]


async def test_acting_on_hidden_items_answers_like_missing_ones(
    gql: GraphQLClient, d: Discovery, run_jobs: RunJobs
) -> None:
    await _people(d)
    hidden, owner = d.tokens["stranger"], d.tokens["hidden"]
    post = global_id.encode("Post", await d.post("hidden", "for followers"))
    comment = (
        await gql(
            'mutation($p: ID!) { addComment(postId: $p, body: "mine") { id } }',
            {"p": post},
            token=owner,
        )
    ).ok()["addComment"]["id"]
    media = await upload(gql, owner, media_samples.jpeg(64, 48), "image/jpeg")
    story = (await share(gql, owner, media_samples.jpeg(64, 48)))["id"]
    await run_jobs()
    processing = await d.processing_post("open", "not yet")  # not visible to others either
    missing_post, missing_media = (global_id.encode(k, MISSING) for k in ("Post", "Media"))
    cases: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        ("mutation($i: ID!) { deletePost(id: $i) }", {"i": post}, {"i": missing_post}),
        (
            "mutation($i: ID!) { deletePost(id: $i) }",
            {"i": global_id.encode("Post", processing)},
            {"i": missing_post},
        ),
        ("mutation($i: ID!) { likePost(postId: $i) { id } }", {"i": post}, {"i": missing_post}),
        ("mutation($i: ID!) { unlikePost(postId: $i) { id } }", {"i": post}, {"i": missing_post}),
        (
            'mutation($i: ID!) { addComment(postId: $i, body: "hi") { id } }',
            {"i": post},
            {"i": missing_post},
        ),
        (
            "mutation($i: ID!) { deleteComment(id: $i) }",
            {"i": comment},
            {"i": global_id.encode("Comment", MISSING)},
        ),
        (
            "mutation($i: ID!) { createPost(input: {mediaIds: [$i]}) { id } }",
            {"i": media},
            {"i": missing_media},
        ),
        (CREATE_STORY.replace("$m", "$i"), {"i": media}, {"i": missing_media}),
        (
            MARK_SEEN.replace("$s", "$i"),
            {"i": story},
            {"i": global_id.encode("Story", MISSING)},
        ),
    ]
    for mutation, on_hidden, on_missing in cases:
        hidden_answer = _answer(await gql(mutation, on_hidden, token=hidden))
        assert hidden_answer == _answer(await gql(mutation, on_missing, token=hidden)), mutation
        assert hidden_answer[0] == ["NOT_FOUND"], mutation
    # Someone who may see the post learns nothing new from FORBIDDEN: it is not theirs.
    refused = await gql(
        "mutation($i: ID!) { deletePost(id: $i) }", {"i": post}, token=d.tokens["fan"]
    )
    assert refused.codes == ["FORBIDDEN"]
    # Nothing above changed anything.
    assert (await create_post(gql, owner, [media])).ok()["createPost"]["id"]


async def test_migration_recounts_tags_without_private_posts(
    embedded: EmbeddedStack, tmp_path: Path
) -> None:
    admin = await asyncpg.connect(embedded.database_url)
    try:
        await admin.execute('DROP DATABASE IF EXISTS "recount_tags"')
        await admin.execute('CREATE DATABASE "recount_tags"')
    finally:
        await admin.close()
    dsn = embedded.database_url.replace("/postgres?", "/recount_tags?")
    for path in sorted(migrations.MIGRATIONS_DIR.iterdir()):
        if path.name < "0009":
            shutil.copy(path, tmp_path / path.name)
    await migrations.apply(dsn, tmp_path)
    conn = await asyncpg.connect(dsn)
    try:
        for name, private, tags in [("pub", False, ["cat", "dog"]), ("priv", True, ["cat", "owl"])]:
            author = await conn.fetchval(
                "INSERT INTO users (username, password_hash, is_private) VALUES ($1, 'x', $2)"
                " RETURNING id",
                name,
                private,
            )
            await conn.execute(
                "INSERT INTO posts (author_id, hashtags, status) VALUES ($1, $2, 'published')",
                author,
                tags,
            )
        # As the earlier rule kept them: every published post counted.
        await conn.execute(
            "INSERT INTO hashtags (name, post_count) VALUES ('cat', 2), ('dog', 1), ('owl', 1)"
        )
        shutil.copy(migrations.MIGRATIONS_DIR / "0009_public_hashtag_counts.sql", tmp_path)
        assert [m.version for m in await migrations.apply(dsn, tmp_path)] == [9]
        rows = await conn.fetch("SELECT name, post_count FROM hashtags ORDER BY name")
        assert [(r["name"], r["post_count"]) for r in rows] == [("cat", 1), ("dog", 1), ("owl", 0)]
    finally:
        await conn.close()
