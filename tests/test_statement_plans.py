"""Single lookups have statements PostgreSQL plans once. With a one-element array of ids,
a custom plan estimates unnest at one row and a generic plan at ten, so PostgreSQL never
settles on the generic plan and plans the statement afresh on every call."""

from __future__ import annotations

from resolvers.deps import Deps
from schema import global_id
from storage import comments, post_cards
from storage.comments import PageKey
from tests.client import GraphQLClient


async def test_a_single_post_card_settles_on_a_generic_plan(gql: GraphQLClient, deps: Deps) -> None:
    """About 2.5 ms of planning per `post(id:)`, `node` or live update before; the single
    statement reads what the many-id one reads."""
    _, user_id = await gql.register("looker")
    author = global_id.decode_as(user_id, "User", field="id")
    ids = [
        await deps.db.fetchval(
            "INSERT INTO posts (author_id, caption, status, published_at)"
            " VALUES ($1, $2, 'published', now()) RETURNING id",
            author,
            caption,
        )
        for caption in ("first", "second")
    ]
    async with deps.db.acquire() as conn:
        both = await post_cards.cards(conn, ids, author)
        assert [c.post.caption for c in both] == ["first", "second"]
        for _ in range(8):
            assert await post_cards.cards(conn, ids[1:], author) == both[1:]
        plans = await conn.fetchrow(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE '%walls%VALUES ($1::bigint, 1::bigint)%'"
            " AND statement NOT LIKE '%pg_prepared_statements%'"  # not this query itself
        )
    assert plans is not None and plans["generic_plans"] >= 3, plans


async def test_a_single_comment_page_settles_on_a_generic_plan(
    gql: GraphQLClient, deps: Deps
) -> None:
    """`post { comments }` reads one post's page: about 0.6 ms of planning a page before."""
    _, user_id = await gql.register("commenter")
    author = global_id.decode_as(user_id, "User", field="id")
    post_id = await deps.db.fetchval(
        "INSERT INTO posts (author_id, caption, status, published_at)"
        " VALUES ($1, 'p', 'published', now()) RETURNING id",
        author,
    )
    for body in ("one", "two", "three"):
        await deps.db.execute(
            "INSERT INTO comments (post_id, author_id, body) VALUES ($1, $2, $3)",
            post_id,
            author,
            body,
        )
    key = PageKey(post_id=post_id, after_id=None, limit=3)
    async with deps.db.acquire() as conn:
        other = PageKey(post_id=post_id + 1, after_id=None, limit=3)
        both = await comments.pages(conn, [key, other], author)  # the many-page statement
        for _ in range(8):
            assert await comments.pages(conn, [key], author) == both[:1]
        plans = await conn.fetchrow(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE '%VALUES ($1::bigint, $2::bigint, $3::bigint, 1::bigint)%'"
            " AND statement NOT LIKE '%pg_prepared_statements%'"
        )
    assert [row.body for row, _ in both[0]] == ["one", "two", "three"]
    assert {a.username for _, a in both[0]} == {"commenter"}
    assert plans is not None and plans["generic_plans"] >= 3, plans
