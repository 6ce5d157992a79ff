"""`user(username:) { posts }` reads the grid page with the user in one statement when the
selection allows (schema/lookahead.py, `User.named`): every answer, errors included, is the
one the lookup by name and then the grid give, for every relation of viewer and owner."""

from __future__ import annotations

from typing import Any

import pytest

from resolvers import profile_posts
from resolvers.deps import Deps
from tests.client import GraphQLClient
from tests.discovery import Discovery
from tests.read_together import answers_alike, owner_query, selections
from tests.safety_helpers import BLOCK

PAGE = "edges { cursor node { id caption } } pageInfo { hasNextPage endCursor }"
USER = "username isPrivate followerCount viewerFollowStatus"
SELECTIONS = selections(PAGE, "User", first_0=False)
# (viewer, owner) pairs: every relation the policy tells apart.
PAIRS = [
    (None, "open"),
    ("stranger", "open"),
    ("stranger", "locked"),
    ("fan", "locked"),
    ("asker", "locked"),
    ("locked", "locked"),
    ("blocked", "open"),
    ("stranger", "empty"),
    ("stranger", "nobody"),
]


@pytest.fixture
async def d(gql: GraphQLClient, deps: Deps) -> Discovery:
    d = Discovery(gql, deps)
    for name in ("open", "stranger", "fan", "asker", "blocked", "empty"):
        await d.user(name)
    await d.user("locked", private=True)
    assert await d.follow("fan", "locked") == "REQUESTED"
    await d.approve("locked", "fan")
    assert await d.follow("asker", "locked") == "REQUESTED"
    (await gql(BLOCK, {"id": d.ids["blocked"]}, token=d.tokens["open"])).ok()
    for i in range(4):
        await d.post("open", f"open {i}")
        await d.post("locked", f"locked {i}")
    return d


async def _answers(d: Discovery, query: str, viewer: str | None, owner: str) -> list[Any]:
    """A first page, the next one, one past the last, as `viewer` sees `owner`'s."""
    token = d.tokens[viewer] if viewer else None
    uses_variables = "$first" in query
    found: list[Any] = []
    cursor = None
    for first in (2, 2, 5):
        variables: dict[str, Any] = {"name": owner}
        if uses_variables:
            variables |= {"first": first, "after": cursor}
        result = await d.gql(query, variables, token=token)
        found.append(result.body)
        user = (result.data or {}).get("user") or {}
        cursor = (user.get("posts") or user.get("a") or {}).get("pageInfo", {}).get("endCursor")
    return found


@pytest.mark.parametrize("case", list(SELECTIONS))
async def test_a_grid_read_with_its_user_answers_as_if_read_after_it(
    d: Discovery, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    selection, together = SELECTIONS[case]
    query = owner_query("user(username: $name)", USER, selection, PAGE, "User")

    async def answers() -> list[Any]:
        return [await _answers(d, query, v, o) for v, o in PAIRS]

    read_together, found = await answers_alike(monkeypatch, profile_posts, "page_by_name", answers)
    assert read_together is together
    seen = {pair: answers[0].get("data") for pair, answers in zip(PAIRS, found, strict=True)}
    if not case.startswith("bad"):  # the answers are the ones the policy gives
        assert seen[("blocked", "open")] == {"user": None}
        assert seen[("stranger", "nobody")] == {"user": None}
        assert seen[("fan", "locked")]["user"]["username"] == "locked"
