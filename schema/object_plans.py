"""Object completion compiled once per operation: a plan per (object type, selection).

graphql-core completes an object by walking its selection field by field: a Path, an
`execute_field` call, an awaitable check and a dispatch on the field's type for each. On a
page of posts the same selection is completed for every post, and every field below the
connection is a plain attribute (schema/field_reads.py). So the first time an
execution completes an object with a given selection, `build` turns it into a plan: per
response key, how to read the value and a completer specialised to its type (leaf
serialiser, nested plan, list of either). Running a plan is a loop of attribute reads.

A plan is built only when every field can be read so (no async resolver, no deferred
fragment, no abstract type); otherwise the caller completes the object the standard way.
A plan that meets anything unexpected (a null in a non-null position, an object of another
type, a value that does not serialise, an exception) answers `DECLINED`, and the caller
completes that object the standard way from the start: reads are side-effect free, and the
standard path then reports errors exactly as it always does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphql import (
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
)
from graphql.execution.values import VariableValues, get_argument_values
from graphql.pyutils import Undefined

from schema.field_reads import FastRead, fast_read

DECLINED: Any = object()

Complete = Callable[[Any], Any]
Read = Callable[[Any], Any]
Plan = tuple[tuple[str, Read, Complete], ...]
# (object type, its field details list) -> (grouped field set, whether anything is deferred)
Collect = Callable[[GraphQLObjectType, Any], tuple[Mapping[str, Any], bool]]


class Builder:
    """Builds plans for one execution (its variables decide arguments and @skip/@include)."""

    def __init__(self, collect: Collect, variables: VariableValues, hide: bool) -> None:
        self._collect = collect
        self._variables = variables
        self._hide = hide

    def plan(self, object_type: GraphQLObjectType, details_list: Any) -> Plan | None:
        grouped, deferred = self._collect(object_type, details_list)
        if deferred:
            return None
        entries: list[tuple[str, Read, Complete]] = []
        for key, field_details in grouped.items():
            entry = self._entry(object_type, field_details)
            if entry is None:
                return None
            entries.append((key, *entry))
        return tuple(entries)

    def _entry(
        self, object_type: GraphQLObjectType, field_details: Any
    ) -> tuple[Read, Complete] | None:
        details = field_details[0]
        name = details.node.name.value
        if name == "__typename":
            type_name = object_type.name
            return (lambda _source: type_name), _same
        field = object_type.fields.get(name)
        if field is None:
            return None
        how = fast_read(field)
        if how is None:
            return None
        read = self._reader(how, field, details)
        complete = self.completer(field.type, field_details)
        if read is None or complete is None:
            return None
        return read, complete

    def _reader(self, how: FastRead, field: Any, details: Any) -> Read | None:
        if how.attribute is not None:
            attribute = how.attribute
            return lambda source: getattr(source, attribute)
        resolver = how.resolver
        assert resolver is not None
        try:
            raw = get_argument_values(
                field, details.node, self._variables, details.fragment_variable_values, self._hide
            )
            kwargs = {py: convert(raw[gql]) for gql, py, convert in how.arguments if gql in raw}
        except Exception:
            return None  # a bad argument: the standard path reports it
        return lambda source: resolver(source, **kwargs)

    def completer(self, type_: GraphQLOutputType, field_details: Any) -> Complete | None:
        non_null = isinstance(type_, GraphQLNonNull)
        inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if isinstance(inner, GraphQLLeafType):
            return _leaf(inner.serialize, non_null)
        if isinstance(inner, GraphQLObjectType):
            plan = self.plan(inner, field_details)
            if plan is None:
                return None
            return _object(plan, inner.is_type_of, non_null)
        if isinstance(inner, GraphQLList):
            item = self.completer(inner.of_type, field_details)
            if item is None:
                return None
            return _list(item, non_null)
        return None  # interfaces and unions: the standard path resolves their type


def _same(value: Any) -> Any:
    return value


def _leaf(serialize: Callable[[Any], Any], non_null: bool) -> Complete:
    def complete(value: Any) -> Any:
        if value is None:
            return DECLINED if non_null else None
        out = serialize(value)
        return DECLINED if out is None or out is Undefined else out

    return complete


def run(plan: Plan, source: Any) -> Any:
    out: dict[str, Any] = {}
    for key, read, complete in plan:
        value = complete(read(source))
        if value is DECLINED:
            return DECLINED
        out[key] = value
    return out


def _object(plan: Plan, is_type_of: Any, non_null: bool) -> Complete:
    def complete(value: Any) -> Any:
        if value is None:
            return DECLINED if non_null else None
        # Strawberry's is_type_of is an isinstance check that never reads its info.
        if is_type_of is not None and not is_type_of(value, None):
            return DECLINED
        return run(plan, value)

    return complete


def _list(item: Complete, non_null: bool) -> Complete:
    def complete(value: Any) -> Any:
        if value is None:
            return DECLINED if non_null else None
        if not isinstance(value, list | tuple):
            return DECLINED
        out = [item(one) for one in value]
        for one in out:
            if one is DECLINED:
                return DECLINED
        return out

    return complete
