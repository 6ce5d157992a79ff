from __future__ import annotations

import pytest

from tests.client import GraphQLClient

REGISTER = """
mutation($input: RegisterInput!) {
  register(input: $input) { token user { id username displayName isPrivate followerCount } }
}"""
LOGIN = """
mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token user { username } } }
"""
VIEWER = "{ viewer { id username } }"


async def test_register_returns_a_working_token(gql: GraphQLClient) -> None:
    result = await gql(REGISTER, {"input": {"username": "Alice_1", "password": "sup3rsecret"}})
    payload = result.ok()["register"]
    assert payload["user"]["username"] == "alice_1"
    assert payload["user"]["isPrivate"] is False
    viewer = (await gql(VIEWER, token=payload["token"])).ok()["viewer"]
    assert viewer == {"id": payload["user"]["id"], "username": "alice_1"}


async def test_viewer_is_null_without_a_token(gql: GraphQLClient) -> None:
    assert (await gql(VIEWER)).ok() == {"viewer": None}


@pytest.mark.parametrize(
    ("username", "password", "field"),
    [
        ("ab", "longenough", "username"),
        ("a" * 31, "longenough", "username"),
        ("bad name", "longenough", "username"),
        ("émile", "longenough", "username"),
        ("semi;colon", "longenough", "username"),
        ("good_name", "short", "password"),
        ("good_name", "x" * 257, "password"),
    ],
)
async def test_register_rejects_bad_input(
    gql: GraphQLClient, username: str, password: str, field: str
) -> None:
    result = await gql(REGISTER, {"input": {"username": username, "password": password}})
    assert result.codes == ["BAD_USER_INPUT"]
    assert result.errors[0]["extensions"]["field"] == field
    assert result.data is None


async def test_usernames_are_unique_case_insensitively(gql: GraphQLClient) -> None:
    await gql.register("bob.smith")
    result = await gql(REGISTER, {"input": {"username": "BOB.Smith", "password": "longenough"}})
    assert result.codes == ["CONFLICT"]


async def test_login_with_any_case(gql: GraphQLClient) -> None:
    await gql.register("carol", "rightpassword")
    result = await gql(LOGIN, {"u": "CAROL", "p": "rightpassword"})
    assert result.ok()["login"]["user"]["username"] == "carol"


async def test_wrong_password_and_unknown_user_look_the_same(gql: GraphQLClient) -> None:
    await gql.register("dave", "rightpassword")
    wrong = await gql(LOGIN, {"u": "dave", "p": "wrongpassword"})
    unknown = await gql(LOGIN, {"u": "nobody", "p": "wrongpassword"})
    assert wrong.codes == unknown.codes == ["UNAUTHENTICATED"]
    assert wrong.errors[0]["message"] == unknown.errors[0]["message"]


async def test_logout_revokes_only_that_token(gql: GraphQLClient) -> None:
    first, _ = await gql.register("erin", "rightpassword")
    second = (await gql(LOGIN, {"u": "erin", "p": "rightpassword"})).ok()["login"]["token"]
    assert (await gql("mutation { logout }", token=first)).ok() == {"logout": True}
    assert (await gql(VIEWER, token=first)).ok() == {"viewer": None}
    assert (await gql("mutation { logout }", token=first)).codes == ["UNAUTHENTICATED"]
    assert (await gql(VIEWER, token=second)).ok()["viewer"]["username"] == "erin"


async def test_expired_token_is_refused(gql: GraphQLClient, deps) -> None:  # type: ignore[no-untyped-def]
    token, _ = await gql.register("frank")
    await deps.db.execute("UPDATE auth_tokens SET expires_at = now() - interval '1 second'")
    assert (await gql(VIEWER, token=token)).ok() == {"viewer": None}


async def test_tokens_are_stored_only_as_hashes(gql: GraphQLClient, deps) -> None:  # type: ignore[no-untyped-def]
    token, _ = await gql.register("gina")
    stored = await deps.db.fetchval("SELECT token_hash FROM auth_tokens")
    assert token.encode() not in stored and len(stored) == 32
    password_hash = await deps.db.fetchval("SELECT password_hash FROM users")
    assert password_hash.startswith("$argon2id$")


async def test_login_failures_are_rate_limited_per_username(gql: GraphQLClient, deps) -> None:  # type: ignore[no-untyped-def]
    await gql.register("henry", "rightpassword")
    limit = deps.settings.login_max_failures_per_user
    for _ in range(limit):
        assert (await gql(LOGIN, {"u": "henry", "p": "wrong-guess"})).codes == ["UNAUTHENTICATED"]
    blocked = await gql(LOGIN, {"u": "henry", "p": "rightpassword"})
    assert blocked.codes == ["RATE_LIMITED"]
    assert blocked.errors[0]["extensions"]["retryAfter"] > 0


async def test_successful_logins_do_not_count_as_failures(gql: GraphQLClient, deps) -> None:  # type: ignore[no-untyped-def]
    await gql.register("iris", "rightpassword")
    for _ in range(deps.settings.login_max_failures_per_user + 2):
        (await gql(LOGIN, {"u": "iris", "p": "rightpassword"})).ok()


async def test_login_failures_are_rate_limited_per_ip(gql: GraphQLClient, deps) -> None:  # type: ignore[no-untyped-def]
    limit = deps.settings.login_max_failures_per_ip
    for i in range(limit):
        # A different username every time: only the per-address counter can stop this.
        assert (await gql(LOGIN, {"u": f"guess{i}", "p": "wrong-guess"})).codes == [
            "UNAUTHENTICATED"
        ]
    assert (await gql(LOGIN, {"u": "another", "p": "wrong-guess"})).codes == ["RATE_LIMITED"]


async def test_update_profile(gql: GraphQLClient) -> None:
    token, _ = await gql.register("jules")
    update = """mutation($input: UpdateProfileInput!) {
      updateProfile(input: $input) { displayName bio isPrivate }
    }"""
    first = await gql(update, {"input": {"displayName": "  Jules  V ", "bio": "hi"}}, token=token)
    assert first.ok()["updateProfile"] == {
        "displayName": "Jules V",
        "bio": "hi",
        "isPrivate": False,
    }
    second = await gql(update, {"input": {"isPrivate": True}}, token=token)
    assert second.ok()["updateProfile"] == {
        "displayName": "Jules V",
        "bio": "hi",
        "isPrivate": True,
    }
    cleared = await gql(update, {"input": {"bio": None}}, token=token)
    assert cleared.ok()["updateProfile"]["bio"] is None
    too_long = await gql(update, {"input": {"bio": "x" * 501}}, token=token)
    assert too_long.codes == ["BAD_USER_INPUT"]
    anonymous = await gql(update, {"input": {"bio": "x"}})
    assert anonymous.codes == ["UNAUTHENTICATED"]
