"""schema/derived.py: fields derived from the row when first read, once."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from schema.derived import Derived, derive


@dataclass
class Card(Derived):
    row: dict[str, int]
    doubled: int
    label: str


calls: list[str] = []


def _doubled(card: Card) -> int:
    calls.append("doubled")
    return card.row["n"] * 2


derive(Card, {"doubled": _doubled, "label": lambda c: f"#{c.row['n']}"}, given={"row"})


def test_a_field_is_derived_on_first_read_and_kept() -> None:
    calls.clear()
    card = Card.make(row={"n": 21})
    assert calls == []  # nothing computed by make
    assert card.doubled == 42
    assert card.doubled == 42
    assert calls == ["doubled"]
    assert vars(card) == {"row": {"n": 21}, "doubled": 42}


def test_given_attributes_are_not_derived() -> None:
    card = Card.make(row={"n": 1}, label="given")
    assert card.label == "given"


@pytest.mark.parametrize("name", ["missing", "__deepcopy__", "row_", "DERIVE"])
def test_an_unknown_attribute_is_an_attribute_error(name: str) -> None:
    card = Card.make(row={"n": 1})
    with pytest.raises(AttributeError):
        getattr(card, name)
    assert getattr(card, name, "default") == "default"


@pytest.mark.parametrize(
    ("given", "derived", "ok"),
    [
        ({"row"}, {"doubled", "label"}, True),
        ({"row"}, {"doubled"}, False),  # label neither given nor derived
        ({"row", "label"}, {"doubled", "label"}, False),  # label both
        ({"row"}, {"doubled", "label", "extra"}, False),  # not a field
    ],
)
def test_every_field_is_given_or_derived_once(given: set[str], derived: set[str], ok: bool) -> None:
    @dataclass
    class Checked(Derived):
        row: dict[str, int]
        doubled: int
        label: str

    table = {name: (lambda c: None) for name in derived}
    if ok:
        derive(Checked, table, given=given)
    else:
        with pytest.raises(TypeError):
            derive(Checked, table, given=given)


def test_schema_objects_read_the_same_as_their_rows() -> None:
    from datetime import UTC, datetime

    from schema import global_id
    from schema.types.user import User
    from storage.users import UserRow

    row = UserRow(7, "ada", "Ada", None, True, 3, 4, 5, datetime(2026, 1, 1, tzinfo=UTC), False)
    user = User.from_row(row)
    assert (user.id, user.username, user.is_private, user.post_count) == (
        global_id.encode("User", 7),
        "ada",
        True,
        5,
    )
    assert user == User.from_row(row)
