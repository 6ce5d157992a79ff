"""Schema objects whose fields are derived from their row when first read.

A page builds a Post with its author and media for every card, some forty fields, while a
typical selection reads five or six of them. A `Derived` type declares its fields as any
Strawberry type does (the schema does not change); `make` creates an instance holding only
what it is given (the row, what the request knows), and `derive` gives each other field a
class-level descriptor that computes it on first read and stores it in the instance, where
later reads find it as a plain attribute. Reads go through ordinary attribute lookup, so
graphql-core's default resolver, the fast paths (schema/field_reads.py) and Python code all
see the same values. (Not `__getattr__`: a class with one loses CPython's fast attribute
lookups on every read, and each first read raises an AttributeError first.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

D = TypeVar("D", bound="Derived")


class Derived:
    @classmethod
    def make(cls: type[D], **given: Any) -> D:
        """An instance with these attributes; the others are derived when read."""
        instance = cls.__new__(cls)
        instance.__dict__.update(given)
        return instance


class _Field(Generic[D]):
    """A non-data descriptor: once computed, the instance's own attribute shadows it."""

    __slots__ = ("compute", "name")

    def __init__(self, name: str, compute: Callable[[D], Any]) -> None:
        self.name = name
        self.compute = compute

    def __get__(self, instance: D | None, owner: type[D]) -> Any:
        if instance is None:
            return self
        value = self.compute(instance)
        instance.__dict__[self.name] = value
        return value


def derive(cls: type[D], table: Mapping[str, Callable[[D], Any]], *, given: set[str]) -> None:
    """Install `table` on `cls`; every data field of `cls` (not those with a resolver) must
    be either given to `make` or derived, once."""
    fields = {
        name
        for name, field in getattr(cls, "__dataclass_fields__", {}).items()
        if getattr(field, "base_resolver", None) is None
    }
    derived = set(table)
    if given & derived or fields != given | derived:
        raise TypeError(
            f"{cls.__name__}: fields {sorted(fields)}, given {sorted(given)},"
            f" derived {sorted(derived)}"
        )
    for name, compute in table.items():
        setattr(cls, name, _Field(name, compute))


def compute_of(cls: type, name: str) -> Callable[[Any], Any] | None:
    """The function deriving `name` on instances of `cls`; None when `name` is not a
    derived field there. (Object plans call it directly, skipping the descriptor.)"""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            found = klass.__dict__[name]
            return found.compute if isinstance(found, _Field) else None
    return None
