"""Single lookups have statements PostgreSQL plans once. With a one-element array of ids,
a custom plan estimates unnest at one row and a generic plan at ten, so PostgreSQL never
settles on the generic plan and plans the statement afresh on every call."""

from __future__ import annotations

from resolvers.deps import Deps
from schema import global_id
from storage import post_cards
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
