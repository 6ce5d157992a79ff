"""A hashtag page (the tag's listing and its cards in one statement) reads the tag's newest
posts in order from post_hashtags (migration 0021) and stops once the page is full, under a
generic plan too; the trigger keeps the table."""

from __future__ import annotations

import re

from resolvers.deps import Deps
from schema import global_id
from storage import hashtags, post_cards
from tests.client import GraphQLClient
from tests.prepared import assert_planned_once, generic_plans


async def _tagged_posts(deps: Deps, author_id: int, count: int, tags: list[str]) -> None:
    await deps.db.execute(
        "INSERT INTO posts (author_id, caption, hashtags, status, published_at)"
        " SELECT $1, 'x', $3::text[], 'published', now() FROM generate_series(1, $2)",
        author_id,
        count,
        tags,
    )


async def test_a_popular_tags_page_reads_its_newest_posts_and_stops(
    gql: GraphQLClient, deps: Deps
) -> None:
    _, user_id = await gql.register("sunsets")
    author = global_id.decode_as(user_id, "User", field="id")
    await _tagged_posts(deps, author, 3000, ["sunset"])
    for i in range(20):  # other tags, and posts without one
        await _tagged_posts(deps, author, 100, [f"tag{i}"])
    await _tagged_posts(deps, author, 3000, [])
    await deps.db.execute("VACUUM ANALYZE post_hashtags")  # as autovacuum leaves it
    await deps.db.execute("ANALYZE posts")
    async with deps.db.acquire() as conn:
        await conn.execute("SET plan_cache_mode = force_generic_plan")
        try:
            await conn.execute(
                f"PREPARE tag_page (text, bigint, bigint, int) AS {post_cards.TAGGED}"
            )
            execute = "EXECUTE tag_page ('sunset', NULL, NULL, 21)"
            plan = "\n".join(
                r[0] for r in await conn.fetch(f"EXPLAIN (ANALYZE, COSTS OFF) {execute}")
            )
            found = await conn.fetch(execute)
        finally:
            await conn.execute("DEALLOCATE tag_page")
            await conn.execute("RESET plan_cache_mode")
    assert len(found) == 21
    assert "$1" in plan or "$3" in plan, plan  # a generic plan: parameters stay parameters
    # The policy's joins and checks run for the page's posts only, not for every post with
    # the tag (the GIN index on posts.hashtags made that 20 ms for a popular tag).
    joined = re.search(r"Index Scan using posts_pkey on posts p .*loops=(\d+)", plan)
    assert joined is not None, plan
    assert int(joined.group(1)) <= 100, plan
    assert "Seq Scan on posts" not in plan and "posts_hashtags_idx" not in plan, plan


async def test_the_trigger_keeps_post_hashtags(gql: GraphQLClient, deps: Deps) -> None:
    _, user_id = await gql.register("tagger")
    author = global_id.decode_as(user_id, "User", field="id")
    post_id = await deps.db.fetchval(
        "INSERT INTO posts (author_id, caption, hashtags, status) VALUES ($1, 'x',"
        " ARRAY['a', 'b', 'a'], 'published') RETURNING id",
        author,
    )

    async def tags() -> list[str]:
        rows = await deps.db.fetch(
            "SELECT tag FROM post_hashtags WHERE post_id = $1 ORDER BY tag", post_id
        )
        return [r["tag"] for r in rows]

    assert await tags() == ["a", "b"]
    await deps.db.execute("UPDATE posts SET hashtags = ARRAY['b', 'c'] WHERE id = $1", post_id)
    assert await tags() == ["b", "c"]
    await deps.db.execute("DELETE FROM posts WHERE id = $1", post_id)
    assert await tags() == []


async def test_a_tags_count_settles_on_a_generic_plan(gql: GraphQLClient, deps: Deps) -> None:
    """A hashtag page's count is one prepared statement that PostgreSQL stops planning after
    its first few runs (an array of names kept it planning afresh: about 2 ms a page)."""
    _, user_id = await gql.register("counter")
    author = global_id.decode_as(user_id, "User", field="id")
    await _tagged_posts(deps, author, 30, ["sunset"])
    async with deps.db.acquire() as conn:
        [counted] = await hashtags.visible_counts(conn, ["sunset"], viewer_id=author)
        await assert_planned_once(
            conn,
            "%private_authors%VALUES ($1::text%",
            lambda: hashtags.visible_count(conn, "sunset", viewer_id=author),
            counted,
        )


async def test_a_tags_page_with_its_count_settles_on_a_generic_plan(
    gql: GraphQLClient, deps: Deps
) -> None:
    """`hashtag { posts }` reads its page and count in one statement (TAGGED_COUNTED): it
    must not be planned afresh on every page either."""
    _, user_id = await gql.register("pager")
    author = global_id.decode_as(user_id, "User", field="id")
    await _tagged_posts(deps, author, 30, ["sunset"])
    async with deps.db.acquire() as conn:
        [counted] = await hashtags.visible_counts(conn, ["sunset"], viewer_id=author)
        for before in (None, *range(8)):
            cards, _, count = await post_cards.listed_counted(
                conn, post_cards.TAGGED_COUNTED, "sunset", author, before, first=5
            )
            assert count == (counted.post_count if cards else None)
        generic = await generic_plans(conn, f"%{post_cards.TAGGED_COUNTED[:40]}%AS tag_post_count%")
    assert generic >= 3
