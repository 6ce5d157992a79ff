"""Abuse limits on accounts: registrations per address, and sign-in throttling that slows
guessing without letting anyone lock an account."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from resolvers.accounts import LoginCounts, login_wait
from resolvers.deps import Deps
from tests.client import GraphQLClient

REGISTER = """mutation($u: String!) {
  register(input: {username: $u, password: "correct horse"}) { token }
}"""
LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }"
ClientAt = Callable[[str], GraphQLClient]


async def test_registrations_per_address_are_limited(
    client_at: ClientAt, tune: Callable[..., None], deps: Deps
) -> None:
    tune(register_rate=10)  # the production default (tests raise it)
    bot, neighbour = client_at("203.0.113.7"), client_at("203.0.113.8")
    for i in range(10):
        (await bot(REGISTER, {"u": f"bot{i:02d}"})).ok()
    eleventh = await bot(REGISTER, {"u": "bot10"})
    assert eleventh.codes == ["RATE_LIMITED"]
    assert 0 < eleventh.errors[0]["extensions"]["retryAfter"] <= 3600
    (await neighbour(REGISTER, {"u": "neighbour"})).ok()
    assert await deps.db.fetchval("SELECT count(*) FROM users") == 11


async def test_a_taken_username_does_not_use_up_registrations(
    client_at: ClientAt, tune: Callable[..., None]
) -> None:
    tune(register_rate=2)
    client = client_at("203.0.113.9")
    (await client(REGISTER, {"u": "first"})).ok()
    for _ in range(3):
        assert (await client(REGISTER, {"u": "first"})).codes == ["CONFLICT"]
    (await client(REGISTER, {"u": "second"})).ok()
    assert (await client(REGISTER, {"u": "third"})).codes == ["RATE_LIMITED"]


async def test_failures_from_one_address_do_not_lock_the_owner_out(
    client_at: ClientAt, deps: Deps
) -> None:
    owner, attacker = client_at("198.51.100.1"), client_at("203.0.113.66")
    (await owner(REGISTER, {"u": "target"})).ok()
    limit = deps.settings.login_max_failures_per_user
    for _ in range(limit + 1):
        wrong = await attacker(LOGIN, {"u": "target", "p": "wrong guess"})
        assert wrong.codes[0] in ("UNAUTHENTICATED", "RATE_LIMITED")
    # The attacking address waits, even with the right password...
    stopped = await attacker(LOGIN, {"u": "target", "p": "correct horse"})
    assert stopped.codes == ["RATE_LIMITED"]
    assert stopped.errors[0]["extensions"]["retryAfter"] > 0
    # ...while the owner, elsewhere, signs in.
    (await owner(LOGIN, {"u": "target", "p": "correct horse"})).ok()


async def test_distributed_guessing_is_throttled_for_the_guessing_addresses(
    client_at: ClientAt, tune: Callable[..., None]
) -> None:
    tune(login_max_failures_per_account=6)
    owner = client_at("198.51.100.1")
    (await owner(REGISTER, {"u": "famous"})).ok()
    guessers = [client_at(f"203.0.113.{i}") for i in range(1, 9)]
    for guesser in guessers:  # one guess each, 8 in all: past the account-wide limit
        assert (await guesser(LOGIN, {"u": "famous", "p": "guess"})).codes == ["UNAUTHENTICATED"]
    # Each guessing address is now held back, whatever password it tries...
    for guesser in guessers:
        second = await guesser(LOGIN, {"u": "famous", "p": "correct horse"})
        assert second.codes == ["RATE_LIMITED"]
    # ...but an address that has not been failing gets its answer, so the owner is not locked.
    (await owner(LOGIN, {"u": "famous", "p": "correct horse"})).ok()
    assert (await client_at("198.51.100.2")(LOGIN, {"u": "famous", "p": "guess"})).codes == [
        "UNAUTHENTICATED"
    ]


LIMITS = {"per_pair": 5, "per_address": 50, "per_account": 20}


@pytest.mark.parametrize(
    ("pair", "address", "account", "wait"),
    [
        ((1, 900), (1, 900), (1, 900), None),
        ((5, 800), (5, 800), (5, 800), None),  # the fifth attempt is still checked
        ((6, 800), (6, 800), (6, 800), 800),  # this username from this address
        ((1, 900), (51, 300), (1, 900), 300),  # this address, many usernames
        ((1, 900), (1, 900), (500, 120), None),  # account under attack, a fresh address
        ((2, 700), (2, 700), (21, 120), 120),  # account under attack, a failing address
        ((2, 700), (2, 700), (20, 120), None),  # at the account-wide limit, not past it
    ],
)
def test_login_wait(
    pair: tuple[int, int], address: tuple[int, int], account: tuple[int, int], wait: int | None
) -> None:
    assert login_wait(LoginCounts(pair, address, account), **LIMITS) == wait
