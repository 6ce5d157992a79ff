"""How the fast paths read a field without graphql-core's resolve machinery.

A field Strawberry calls "basic" (no resolver, no arguments, no extensions) is
`getattr(source, name)`; a synchronous resolver that needs only its object and leaf
arguments (`Media.url`) is called directly. Anything else has no `FastRead` (None).

A resolver that needs its info too (every connection and root field) has a `FastCall`:
called with the same arguments Strawberry's wrapper would give it (its object as `self`,
its info, its leaf arguments converted alike), without the wrapper's layers, which cost a
page about a tenth of a millisecond per such field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from inspect import isasyncgenfunction
from typing import Any, Generic, TypeVar

from graphql import GraphQLField
from strawberry import ID
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import StrawberryOptional
from strawberry.types.enum import StrawberryEnumDefinition
from strawberry.types.field import StrawberryField

Convert = Callable[[Any], Any]
P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class FastRead:
    """How the fast path reads a field: an attribute, or a synchronous resolver that needs
    nothing but its object and leaf arguments (no info, root or parent)."""

    attribute: str | None = None
    resolver: Callable[..., Any] | None = None
    arguments: tuple[tuple[str, str, Convert], ...] = ()  # graphql name, python name, convert


@dataclass(frozen=True, slots=True)
class FastCall:
    """A resolver called directly: `function(source?, info?, **arguments)`."""

    function: Callable[..., Any]
    definition: StrawberryField  # for the Info given to it
    passes_source: bool  # the resolver has a `self`
    info: str | None  # the name of its info parameter
    arguments: tuple[tuple[str, str, Convert], ...] = ()


class _PerField(Generic[P]):
    """A plan per field object, made once. Keyed by id(field), the field kept and compared:
    an id is only unique while its object lives, and every schema built (tests build many)
    brings new field objects."""

    def __init__(self, make: Callable[[GraphQLField], P | None]) -> None:
        self._make = make
        self._plans: dict[int, tuple[GraphQLField, P | None]] = {}

    def __call__(self, field: GraphQLField) -> P | None:
        entry = self._plans.get(id(field))
        if entry is not None and entry[0] is field:
            return entry[1]
        plan = self._make(field)
        self._plans[id(field)] = (field, plan)
        return plan


def _call_plan(field: GraphQLField) -> FastCall | None:
    definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    # Exactly StrawberryField: a subclass may call its resolver its own way.
    if type(definition) is not StrawberryField or definition.extensions:
        return None
    resolver = definition.base_resolver
    if resolver is None or definition.is_subscription or field.subscribe is not None:
        return None
    if resolver.root_parameter or resolver.parent_parameter:
        return None
    if not callable(resolver.wrapped_func) or isasyncgenfunction(resolver._unbound_wrapped_func):
        return None
    arguments = _arguments(field, definition)
    if arguments is None:
        return None
    info = resolver.info_parameter
    return FastCall(
        function=resolver.wrapped_func,
        definition=definition,
        passes_source=resolver.self_parameter is not None,
        info=None if info is None else info.name,
        arguments=arguments,
    )


def _arguments(
    field: GraphQLField, definition: StrawberryField
) -> tuple[tuple[str, str, Convert], ...] | None:
    arguments = []
    for (graphql_name, _), argument in zip(field.args.items(), definition.arguments, strict=True):
        convert = _leaf_converter(argument.type)
        if convert is None:
            return None
        arguments.append((graphql_name, argument.python_name, convert))
    return tuple(arguments)


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
    arguments = _arguments(field, definition)
    if arguments is None:
        return None
    return FastRead(resolver=resolver._unbound_wrapped_func, arguments=arguments)


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


fast_read: _PerField[FastRead] = _PerField(_plan)
fast_call: _PerField[FastCall] = _PerField(_call_plan)
