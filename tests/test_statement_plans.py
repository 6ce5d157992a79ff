"""Single lookups have statements PostgreSQL plans once. With a one-element array of ids,
a custom plan estimates unnest at one row and a generic plan at ten, so PostgreSQL never
settles on the generic plan and plans the statement afresh on every call."""

from __future__ import annotations

from resolvers.deps import Deps
from schema import global_id
from storage import comments, post_cards, users
from storage.comments import PageKey
from tests.client import GraphQLClient
from tests.prepared import assert_planned_once
from tests.social import published_post


async def _user(gql: GraphQLClient, name: str) -> int:
    _, user_id = await gql.register(name)
    return global_id.decode_as(user_id, "User", field="id")


async def test_a_single_post_card_settles_on_a_generic_plan(gql: GraphQLClient, deps: Deps) -> None:
    """About 2.5 ms of planning per `post(id:)`, `node` or live update before; the single
    statement reads what the many-id one reads."""
    author = await _user(gql, "looker")
    ids = [await published_post(deps, author, caption) for caption in ("first", "second")]
    async with deps.db.acquire() as conn:
        both = await post_cards.cards(conn, ids, author)
        assert [c.post.caption for c in both] == ["first", "second"]
        await assert_planned_once(
            conn,
            "%walls%VALUES ($1::bigint, 1::bigint)%",
            lambda: post_cards.cards(conn, ids[1:], author),
            both[1:],
        )


async def test_a_single_comment_page_settles_on_a_generic_plan(
    gql: GraphQLClient, deps: Deps
) -> None:
    """`post { comments }` reads one post's page: about 0.6 ms of planning a page before."""
    author = await _user(gql, "commenter")
    post_id = await published_post(deps, author, "p")
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
        await assert_planned_once(
            conn,
            "%VALUES ($1::bigint, $2::bigint, $3::bigint, 1::bigint)%",
            lambda: comments.pages(conn, [key], author),
            both[:1],
        )
    assert [row.body for row, _ in both[0]] == ["one", "two", "three"]
    assert {a.username for _, a in both[0]} == {"commenter"}


async def test_a_user_found_by_name_settles_on_a_generic_plan(
    gql: GraphQLClient, deps: Deps
) -> None:
    """A profile opened by name, with the viewer's relation: planned on every call before
    (0 generic plans in 9 calls of the many-name statement with one name)."""
    viewer_id = await _user(gql, "viewer")
    await _user(gql, "Shown")
    async with deps.db.acquire() as conn:
        both = await users.by_usernames_with_relations(conn, viewer_id, ["viewer", "shown"])
        assert sorted(row.username for row, _ in both) == ["shown", "viewer"]

        async def shown() -> list[tuple[str, bool]]:
            found = await users.by_usernames_with_relations(conn, viewer_id, ["SHOWN"])
            return [(row.username, relation.is_self) for row, relation in found]

        await assert_planned_once(conn, "%lower(u.username) = $1::text%", shown, [("shown", False)])


async def test_a_grid_read_by_name_settles_on_a_generic_plan(
    gql: GraphQLClient, deps: Deps
) -> None:
    """`user(username:) { posts }` reads the grid by its owner's name (GRID_BY_NAME)."""
    author = await _user(gql, "gridder")
    for caption in ("one", "two", "three"):
        await published_post(deps, author, caption)
    # Statistics of these rows, not of an earlier test's thousands of posts
    # (tests/test_hashtag_index.py analyzes them): those sway the generic plan's estimates.
    await deps.db.execute("ANALYZE users, posts")
    async with deps.db.acquire() as conn:

        async def grid() -> tuple[list[str | None], bool]:
            cards, has_next = await post_cards.listed(
                conn, post_cards.GRID_BY_NAME, "gridder", author, None, first=2
            )
            return [c.post.caption for c in cards], has_next

        await assert_planned_once(
            conn, "%WHERE lower(username) = $1::text)%", grid, (["three", "two"], True), calls=9
        )
