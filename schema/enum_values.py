"""Storage values to GraphQL enum members by one dict lookup: rows carry lower-case strings
(`'photo'`, `'published'`), the enums upper-case values, and `Enum(value.upper())` on every
field of every row of a page is measurable."""

from __future__ import annotations

from enum import Enum
from typing import Generic, TypeVar

E = TypeVar("E", bound=Enum)


class EnumValues(Generic[E]):
    def __init__(self, enum: type[E]) -> None:
        self._enum = enum
        self._members: dict[str, E] = {}
        for member in enum:
            self._members[str(member.value)] = member
            self._members[str(member.value).lower()] = member

    def __getitem__(self, stored: str) -> E:
        member = self._members.get(stored)
        # Anything else: the enum's own lookup, and its ValueError for a value it lacks.
        return member if member is not None else self._enum(stored.upper())
