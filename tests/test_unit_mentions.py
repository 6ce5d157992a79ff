"""@mention parsing: the username rules, in order, each once."""

from __future__ import annotations

import pytest

from resolvers.mentions import MAX_MENTIONS, parse_mentions, pick


@pytest.mark.parametrize(
    ("text", "mentions"),
    [
        (None, []),
        ("no mentions here", []),
        ("@ada", [("ada",)]),
        ("Hi @Ada!", [("ada",)]),  # stored lower-case, as usernames are
        ("@ada @bob @ada", [("ada",), ("bob",)]),  # each once, in order
        ("with @ada.b and @x_y.z", [("ada.b",), ("x_y.z",)]),
        ("thanks @ada.", [("ada.", "ada")]),  # a sentence's full stop, or a username's
        ("@ab is too short, @" + "a" * 31 + " too long", []),
        ("@" + "a" * 30, [("a" * 30,)]),
        ("mail ada@example.com or @@ada", []),  # an address, and an '@' after an '@'
        ("(@ada),@bob;@cyd", [("ada",), ("bob",), ("cyd",)]),
        ("@ada-bob", [("ada",)]),  # '-' is no username character
        ("@über @ada", [("ada",)]),
    ],
)
def test_parse_mentions(text: str | None, mentions: list[tuple[str, ...]]) -> None:
    assert parse_mentions(text) == mentions


def test_at_most_max_mentions() -> None:
    text = " ".join(f"@user{i:03d}" for i in range(MAX_MENTIONS + 5))
    assert len(parse_mentions(text)) == MAX_MENTIONS


@pytest.mark.parametrize(
    ("parsed", "existing", "picked"),
    [
        ([("ada",), ("bob",)], {"ada": 1, "bob": 2}, [1, 2]),
        ([("ada",), ("nobody",)], {"ada": 1}, [1]),
        ([("ada.", "ada")], {"ada": 1}, [1]),
        ([("ada.", "ada")], {"ada": 1, "ada.": 9}, [9]),  # the whole name first
        ([("ada.", "ada"), ("ada",)], {"ada": 1}, [1]),  # each user once
    ],
)
def test_pick(parsed: list[tuple[str, ...]], existing: dict[str, int], picked: list[int]) -> None:
    assert pick(parsed, existing) == picked
