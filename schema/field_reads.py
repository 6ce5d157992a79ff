"""How the fast paths read a field without graphql-core's resolve machinery.

A field Strawberry calls "basic" (no resolver, no arguments, no extensions) is
`getattr(source, name)`; a synchronous resolver that needs only its object and leaf
arguments (`Media.url`) is called directly. Anything else has no `FastRead` (None).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLField
from strawberry import ID
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import StrawberryOptional
from strawberry.types.enum import StrawberryEnumDefinition
from strawberry.types.field import StrawberryField

Convert = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class FastRead:
    """How the fast path reads a field: an attribute, or a synchronous resolver that needs
    nothing but its object and leaf arguments (no info, root or parent)."""

    attribute: str | None = None
    resolver: Callable[..., Any] | None = None
    arguments: tuple[tuple[str, str, Convert], ...] = ()  # graphql name, python name, convert


# id(field) -> (field, plan). The field is kept and compared: an id is only unique while its
# object lives, and every schema built (tests build many) brings new field objects.
_READS: dict[int, tuple[GraphQLField, FastRead | None]] = {}


def fast_read(field: GraphQLField) -> FastRead | None:
    entry = _READS.get(id(field))
    if entry is not None and entry[0] is field:
        return entry[1]
    read = _plan(field)
    _READS[id(field)] = (field, read)
    return read


def _plan(field: GraphQLField) -> FastRead | None:
    definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or definition.extensions:
        return None
    if definition.is_basic_field:
        if field.args or not getattr(field.resolve, "_is_default", False):
            return None
        return FastRead(attribute=definition.python_name)
    resolver = definition.base_resolver
    if resolver is None or resolver.is_async or resolver.self_parameter is None:
        return None
    if resolver.info_parameter or resolver.root_parameter or resolver.parent_parameter:
        return None
    arguments = []
    for (graphql_name, _), argument in zip(field.args.items(), definition.arguments, strict=True):
        convert = _leaf_converter(argument.type)
        if convert is None:
            return None
        arguments.append((graphql_name, argument.python_name, convert))
    return FastRead(resolver=resolver._unbound_wrapped_func, arguments=tuple(arguments))


def _same(value: Any) -> Any:
    return value


def _leaf_converter(annotation: Any) -> Convert | None:
    """graphql-core's coerced value of a leaf argument -> what the resolver expects."""
    if isinstance(annotation, StrawberryOptional):
        inner = _leaf_converter(annotation.of_type)
        if inner is None:
            return None
        return lambda value: None if value is None else inner(value)
    if isinstance(annotation, StrawberryEnumDefinition):
        enum: Convert = annotation.wrapped_cls
        return enum
    if annotation in (str, int, float, bool, ID):
        return _same
    return None
