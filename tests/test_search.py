"""Search over HTTP: prefixes, ranking, literal wildcards, limits; index use with EXPLAIN."""

from __future__ import annotations

from typing import Any

import pytest

from resolvers.deps import Deps
from storage import search
from tests.client import GraphQLClient
from tests.discovery import Discovery

SEARCH = """query($q: String!, $first: Int) { search(query: $q, first: $first) {
  users { username isPrivate followerCount posts(first: 5) { edges { node { id } } } }
  hashtags { name postCount }
} }"""


@pytest.fixture
def d(gql: GraphQLClient, deps: Deps) -> Discovery:
    return Discovery(gql, deps)


async def find(d: Discovery, query: str, first: int | None = None) -> Any:
    variables: dict[str, Any] = {"q": query}
    if first is not None:
        variables["first"] = first
    return (await d.gql(SEARCH, variables)).ok()["search"]


async def usernames(d: Discovery, query: str, first: int | None = None) -> list[str]:
    return [u["username"] for u in (await find(d, query, first))["users"]]


async def tag_names(d: Discovery, query: str) -> list[str]:
    return [t["name"] for t in (await find(d, query))["hashtags"]]


async def test_users_by_prefix_exact_first_then_most_followed(d: Discovery) -> None:
    for name, followers in [
        ("alice", 5),
        ("alibaba", 5),
        ("alina", 9),
        ("ali", 0),
        ("bob", 50),
        ("malik", 90),  # contains "ali", does not start with it
    ]:
        await d.user(name)
        await d.deps.db.execute(
            "UPDATE users SET follower_count = $2 WHERE id = $1", d.raw_id(name), followers
        )
    expected = ["ali", "alina", "alibaba", "alice"]  # exact, then 9, then 5 by username
    for query in ("ali", "ALI", "  Ali ", "@ali", "@Ali"):
        assert await usernames(d, query) == expected, query
    assert await usernames(d, "alic") == ["alice"]
    assert await usernames(d, "@@ali") == []  # one '@' is stripped, not two
    assert await usernames(d, "zed") == []


async def test_like_wildcards_in_the_query_are_literal(d: Discovery) -> None:
    for name in ("a_b_c", "axb_c", "a_bz", "_under", "abc"):
        await d.user(name)
    assert await usernames(d, "a_b") == ["a_b_c", "a_bz"]  # '_' is not "any character"
    assert await usernames(d, "_") == ["_under"]
    for query in ("%", "a%", "%b", "\\", "a\\", "a\\_b"):
        assert await usernames(d, query) == [], query
    await d.post("abc", "#a_b #axb #100%real")
    assert await tag_names(d, "#a_") == ["a_b"]
    assert await tag_names(d, "%") == []


async def test_hashtags_by_prefix_exact_first_then_most_used(d: Discovery) -> None:
    await d.user("maker")
    for caption in ("#sunset", "#sunset", "#sunset #sunday", "#sunday", "#sun", "#moon"):
        await d.post("maker", caption)
    gone = await d.post("maker", "#sunny")
    await d.delete("maker", gone)
    result = await find(d, "#Sun")
    assert [(t["name"], t["postCount"]) for t in result["hashtags"]] == [
        ("sun", 1),
        ("sunset", 3),
        ("sunday", 2),
    ]  # 'sunny' has no posts left, so it leads nowhere and is not suggested
    assert result["users"] == []  # no username starts with "#sun"
    assert await tag_names(d, "sun") == ["sun", "sunset", "sunday"]


async def test_private_accounts_are_found_but_show_nothing(d: Discovery) -> None:
    await d.user("hermit", private=True)
    await d.post("hermit", "secret #hideout")
    [hermit] = (await find(d, "herm"))["users"]
    assert hermit["username"] == "hermit" and hermit["isPrivate"] is True
    assert hermit["posts"]["edges"] == []  # a stranger sees the account, not its posts
    assert await tag_names(d, "hide") == []  # nor the tags only its posts carry


@pytest.mark.parametrize(
    ("query", "first"),
    [("", None), ("   ", None), ("x" * 51, None), ("ok", 51), ("ok", -1)],
)
async def test_query_length_and_first_are_checked(
    d: Discovery, query: str, first: int | None
) -> None:
    variables: dict[str, Any] = {"q": query} | ({} if first is None else {"first": first})
    result = await d.gql(SEARCH, variables)
    assert result.codes == ["BAD_USER_INPUT"]
    assert result.errors[0]["extensions"]["field"] == ("query" if first is None else "first")


async def test_first_limits_both_lists(d: Discovery) -> None:
    for i in range(12):
        await d.user(f"sam{i:02d}")
    await d.post("sam00", " ".join(f"#sam{i}" for i in range(12)))
    assert len(await usernames(d, "sam")) == 10  # the default
    result = await find(d, "sam", first=3)
    assert len(result["users"]) == 3 and len(result["hashtags"]) == 3
    assert len(await usernames(d, "sam", first=50)) == 12
    assert await find(d, "sam", first=0) == {"users": [], "hashtags": []}
    assert await usernames(d, "x" * 50) == []  # 50 characters is allowed
    # A bare '@' or '#' matches nothing of its kind rather than everything.
    assert await find(d, "@") == {"users": [], "hashtags": []}
    assert await find(d, "#") == {"users": [], "hashtags": []}


async def _plans(deps: Deps, sql: str, *args: object) -> list[str]:
    """The plan PostgreSQL picks for these values, and the generic plan that a long-lived
    prepared statement may switch to; both with sequential scans priced out, so a plan names
    the index if and only if the index can serve the query."""
    plans = []
    async with deps.db.acquire() as conn:
        await conn.execute(f"PREPARE search_plan AS {sql}")
        try:
            # EXECUTE takes no bind parameters: its arguments are quoted by the server.
            literals = [await conn.fetchval("SELECT quote_literal($1::text)", str(a)) for a in args]
            execute = f"EXPLAIN EXECUTE search_plan({', '.join(literals)})"
            for mode in ("force_custom_plan", "force_generic_plan"):
                async with conn.transaction():  # SET LOCAL: nothing leaks into the pool
                    await conn.execute("SET LOCAL enable_seqscan = off")
                    await conn.execute(f"SET LOCAL plan_cache_mode = {mode}")
                    rows = await conn.fetch(execute)
                plans.append("\n".join(r[0] for r in rows))
        finally:
            await conn.execute("DEALLOCATE search_plan")
    return plans


async def test_user_search_uses_the_username_index(deps: Deps) -> None:
    await deps.db.execute(
        "INSERT INTO users (username, password_hash, follower_count)"
        " SELECT 'user_' || g, 'x', g % 97 FROM generate_series(1, 5000) g"
    )
    await deps.db.execute("ANALYZE users")
    args = (*search.prefix_args("user_12"), 10, 1)  # a viewer: blocks are checked by key
    for plan in await _plans(deps, search.USERS_BY_PREFIX, *args):
        assert "Index Cond" in plan and "users_username_lower_key" in plan, plan
    # ...and that SQL finds what the LIKE rule says.
    found = await deps.db.fetch(search.USERS_BY_PREFIX, *args)
    assert found[0]["username"] == "user_12" and len(found) == 10
    assert all(r["username"].startswith("user_12") for r in found)
    counts = [r["follower_count"] for r in found[1:]]
    assert counts == sorted(counts, reverse=True) and counts[0] == 96


async def test_hashtag_search_uses_the_prefix_index(deps: Deps) -> None:
    await deps.db.execute(
        "INSERT INTO hashtags (name, post_count)"
        " SELECT 'tag_' || g, g % 13 FROM generate_series(1, 5000) g"
    )
    await deps.db.execute("ANALYZE hashtags")
    args = (*search.prefix_args("tag_12"), 10)
    for plan in await _plans(deps, search.HASHTAGS_BY_PREFIX, *args):
        assert "Index Cond" in plan and "hashtags_name_prefix_idx" in plan, plan
