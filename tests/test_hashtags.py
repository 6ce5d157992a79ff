"""Hashtag pages over HTTP: names, counts through publish and delete, privacy, pagination."""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from resolvers import hashtag_pages
from resolvers.deps import Deps
from server.embedded import EmbeddedStack
from storage import migrations
from tests import media_samples
from tests.client import GraphQLClient, create_post, upload
from tests.discovery import Discovery
from tests.read_together import answers_alike, owner_query, selections

RunJobs = Callable[[], Awaitable[int]]

HASHTAG = """query($name: String!, $first: Int, $after: String) { hashtag(name: $name) {
  name postCount
  posts(first: $first, after: $after) {
    edges { cursor node { id caption hashtags author { username } } }
    pageInfo { hasNextPage endCursor }
  }
} }"""


@pytest.fixture
def d(gql: GraphQLClient, deps: Deps) -> Discovery:
    return Discovery(gql, deps)


async def hashtag(
    d: Discovery, name: str, viewer: str | None = None, first: int = 20, after: str | None = None
) -> Any:
    token = d.tokens[viewer] if viewer else None
    result = await d.gql(HASHTAG, {"name": name, "first": first, "after": after}, token=token)
    return result.ok()["hashtag"]


def captions(tag: dict[str, Any]) -> list[str]:
    return [e["node"]["caption"] for e in tag["posts"]["edges"]]


async def test_counts_follow_the_real_publish_and_delete(
    gql: GraphQLClient, d: Discovery, run_jobs: RunJobs
) -> None:
    token = await d.user("surfer")
    post_ids = []
    for caption in ("Dawn at the #Beach #surf", "Dusk #beach", "Lunch, no tags"):
        media_id = await upload(gql, token, media_samples.jpeg(64, 48), "image/jpeg")
        created = (await create_post(gql, token, [media_id], caption=caption)).ok()
        post_ids.append(created["createPost"]["id"])
    # Still PROCESSING: no published post ever carried the tag.
    assert await hashtag(d, "beach") is None
    await run_jobs()
    beach = await hashtag(d, "beach")
    assert (beach["name"], beach["postCount"]) == ("beach", 2)
    assert captions(beach) == ["Dusk #beach", "Dawn at the #Beach #surf"]
    assert (await hashtag(d, "surf"))["postCount"] == 1

    deleted = await gql(
        "mutation($id: ID!) { deletePost(id: $id) }",
        {"id": post_ids[0]},
        token=token,
    )
    assert deleted.ok()["deletePost"] is True
    assert (await hashtag(d, "beach"))["postCount"] == 1
    # All its posts gone, the tag is not found: nothing to show.
    assert await hashtag(d, "surf") is None
    await run_jobs()  # the media clean-up purges the row; the count stays right
    assert (await hashtag(d, "beach"))["postCount"] == 1


@pytest.mark.parametrize("name", ["sunset", "#sunset", "SunSet", " #SUNSET ", "##sunset"])
async def test_names_are_case_insensitive_with_or_without_hash(d: Discovery, name: str) -> None:
    await d.user("maker")
    await d.post("maker", "Golden #SunSet")
    tag = await hashtag(d, name)
    assert (tag["name"], tag["postCount"], captions(tag)) == ("sunset", 1, ["Golden #SunSet"])


@pytest.mark.parametrize("name", ["", "   ", "#", "x" * 101])
async def test_empty_or_too_long_names_are_bad_input(d: Discovery, name: str) -> None:
    result = await d.gql(HASHTAG, {"name": name})
    assert result.codes == ["BAD_USER_INPUT"]
    assert result.errors[0]["extensions"]["field"] == "name"


async def test_never_used_names_are_null(d: Discovery) -> None:
    await d.user("maker")
    await d.post("maker", "#used")
    assert await hashtag(d, "unused") is None
    assert await hashtag(d, "x" * 100) is None
    assert await hashtag(d, "use") is None  # no prefix matching here


async def test_private_posts_only_for_approved_followers(d: Discovery) -> None:
    for name in ("open", "stranger", "fan", "asker"):
        await d.user(name)
    await d.user("hidden", private=True)
    assert await d.follow("fan", "hidden") == "REQUESTED"
    await d.approve("hidden", "fan")
    assert await d.follow("asker", "hidden") == "REQUESTED"  # never approved
    for i in range(3):
        await d.post("open", f"open {i} #trip")
        await d.post("hidden", f"hidden {i} #trip")
    everything = ["hidden 2", "open 2", "hidden 1", "open 1", "hidden 0", "open 0"]
    public = ["open 2", "open 1", "open 0"]
    for viewer, expected in [
        (None, public),
        ("stranger", public),
        ("asker", public),
        ("fan", everything),
        ("hidden", everything),
    ]:
        tag = await hashtag(d, "trip", viewer)
        assert tag["postCount"] == len(expected), viewer  # the count tells no more than the page
        assert [c.removesuffix(" #trip") for c in captions(tag)] == expected, viewer
    # Filtered in the query, so a stranger's page is full rather than short.
    page = await hashtag(d, "trip", "stranger", first=2)
    assert len(page["posts"]["edges"]) == 2 and page["posts"]["pageInfo"]["hasNextPage"]


async def test_pages_are_newest_first_and_stable_while_posts_arrive(d: Discovery) -> None:
    await d.user("maker")
    for i in range(5):
        await d.post("maker", f"#daily {i}")
    first = await hashtag(d, "daily", first=2)
    assert captions(first) == ["#daily 4", "#daily 3"]
    await d.post("maker", "#daily 5")  # arrives between two pages
    second = await hashtag(d, "daily", first=2, after=first["posts"]["pageInfo"]["endCursor"])
    assert captions(second) == ["#daily 2", "#daily 1"]
    last = await hashtag(d, "daily", first=2, after=second["posts"]["pageInfo"]["endCursor"])
    assert captions(last) == ["#daily 0"] and not last["posts"]["pageInfo"]["hasNextPage"]
    too_many = await d.gql(HASHTAG, {"name": "daily", "first": 51})
    assert too_many.codes == ["BAD_USER_INPUT"]
    bad_cursor = await d.gql(HASHTAG, {"name": "daily", "after": "bogus"})
    assert bad_cursor.codes == ["BAD_USER_INPUT"]


async def test_migration_backfills_counts_of_published_posts(
    embedded: EmbeddedStack, tmp_path: Path
) -> None:
    admin = await asyncpg.connect(embedded.database_url)
    try:
        await admin.execute('DROP DATABASE IF EXISTS "backfill_tags"')
        await admin.execute('CREATE DATABASE "backfill_tags"')
    finally:
        await admin.close()
    dsn = embedded.database_url.replace("/postgres?", "/backfill_tags?")
    before = [m for m in sorted(migrations.MIGRATIONS_DIR.iterdir()) if m.name < "0006"]
    for path in before:
        shutil.copy(path, tmp_path / path.name)
    await migrations.apply(dsn, tmp_path)
    conn = await asyncpg.connect(dsn)
    try:
        author = await conn.fetchval(
            "INSERT INTO users (username, password_hash) VALUES ('old', 'x') RETURNING id"
        )
        for tags, status, deleted in [
            (["cat", "dog"], "published", False),
            (["cat"], "published", False),
            (["cat"], "published", True),
            (["cat", "bird"], "processing", False),
            (["fish"], "failed", False),
        ]:
            await conn.execute(
                "INSERT INTO posts (author_id, hashtags, status, deleted_at)"
                " VALUES ($1, $2, $3, CASE WHEN $4 THEN now() END)",
                author,
                tags,
                status,
                deleted,
            )
        shutil.copy(migrations.MIGRATIONS_DIR / "0006_discovery.sql", tmp_path)
        assert [m.version for m in await migrations.apply(dsn, tmp_path)] == [6]
        rows = await conn.fetch("SELECT name, post_count FROM hashtags ORDER BY name")
        assert [(r["name"], r["post_count"]) for r in rows] == [("cat", 2), ("dog", 1)]
    finally:
        await conn.close()


PAGE = "edges { cursor node { id caption author { username } } } pageInfo { hasNextPage endCursor }"
READ_WITH_THE_TAG = selections(PAGE, "Hashtag", first_0=True)


@pytest.mark.parametrize("case", list(READ_WITH_THE_TAG))
async def test_a_page_read_with_its_tag_answers_as_if_read_alone(
    d: Discovery, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    """`hashtag { posts }` reads the page with the tag in one statement when the selection
    allows (schema/lookahead.py): every answer, errors included, is the one the tag and its
    page read one after the other give."""
    selection, together = READ_WITH_THE_TAG[case]
    for name in ("maker", "reader", "locked"):
        await d.user(name, private=name == "locked")
    await d.follow("reader", "locked")  # requested only: the locked posts stay hidden
    for i in range(4):
        await d.post("maker", f"#pair {i}")
        await d.post("locked", f"#pair locked {i}")
    query = owner_query("hashtag(name: $name)", "name postCount", selection, PAGE, "Hashtag")
    variables = "$first" in query

    async def answers() -> list[Any]:
        first = await d.gql(query, {"name": "pair", "first": 2}, token=d.tokens["reader"])
        tag = (first.data or {}).get("hashtag") or {}
        cursor = (tag.get("posts") or tag.get("a") or {}).get("pageInfo", {}).get("endCursor")
        found = [first.body]
        for asked in (
            {"name": "pair", "first": 2, "after": cursor},
            {"name": "pair", "first": 5, "after": cursor},  # past the last: an empty page
            {"name": "nothing"},
        ):
            used = {k: v for k, v in asked.items() if variables or k == "name"}
            found.append((await d.gql(query, used, token=d.tokens["reader"])).body)
        return found

    read_together, found = await answers_alike(
        monkeypatch, hashtag_pages, "hashtag_with_posts", answers
    )
    assert read_together is together
    if not case.startswith("bad"):
        assert found[0]["data"]["hashtag"]["postCount"] == 4


async def test_the_page_read_with_its_tag_follows_each_requests_arguments(
    d: Discovery, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lookahead remembers a document's child arguments only when they are literals:
    the same document asked again with other variables reads the page they ask for with the
    tag (never the tag's page and then a page of its own)."""
    await d.user("maker")
    for i in range(4):
        await d.post("maker", f"#again {i}")
    alone: list[int] = []
    real = hashtag_pages.posts_page

    async def spied(*args: Any, **kwargs: Any) -> Any:
        alone.append(kwargs["first"])
        return await real(*args, **kwargs)

    monkeypatch.setattr(hashtag_pages, "posts_page", spied)
    literal = 'query { hashtag(name: "again") { posts(first: 3) { edges { cursor } } } }'
    for first in (1, 3, 2, 1):
        tag = await hashtag(d, "again", first=first)
        assert len(tag["posts"]["edges"]) == first
        for _ in range(2):
            by_literal = (await d.gql(literal)).ok()["hashtag"]["posts"]["edges"]
            assert len(by_literal) == 3
    assert alone == []
