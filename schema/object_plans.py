"""Object completion compiled once per operation: a plan per (object type, selection).

graphql-core completes an object by walking its selection field by field: a Path, an
`execute_field` call, an awaitable check and a dispatch on the field's type for each. On a
page of posts the same selection is completed for every post, and every field below the
connection is a plain attribute (schema/field_reads.py). So the first time an
execution completes an object with a given selection, `build` turns it into a plan: per
response key, how to read the value and a completer specialised to its type (leaf
serialiser, nested plan, list of either), compiled into one Python function (as
graphql-jit compiles a JavaScript one): attribute reads and the common leaves (strings,
ids, 32-bit ints, booleans) written inline, the rest called. Running a plan is then one
call per object, not a loop of calls per field.

A plan is built only when every field can be read so (no async resolver, no deferred
fragment, no abstract type); otherwise the caller completes the object the standard way.
A plan that meets anything unexpected (a null in a non-null position, an object of another
type, a value that does not serialise, an exception) answers `DECLINED`, and the caller
completes that object the standard way from the start: reads are side-effect free, and the
standard path then reports errors exactly as it always does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from keyword import iskeyword
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLID,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
)
from graphql.execution.values import VariableValues, get_argument_values
from graphql.pyutils import Undefined
from strawberry.schema.schema_converter import GraphQLCoreConverter

from schema.derived import compute_of
from schema.field_reads import FastRead, fast_read

DECLINED: Any = object()

Complete = Callable[[Any], Any]
Read = Callable[[Any], Any]
# A compiled object plan: source object -> its completed dict, or DECLINED.
Plan = Callable[[Any], Any]
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
        entries: list[_Entry] = []
        for key, field_details in grouped.items():
            entry = self._entry(key, object_type, field_details)
            if entry is None:
                return None
            entries.append(entry)
        return _compile(entries, _origin(object_type))

    def _entry(self, key: str, object_type: GraphQLObjectType, field_details: Any) -> _Entry | None:
        details = field_details[0]
        name = details.node.name.value
        if name == "__typename":
            return _Entry(key, constant=object_type.name)
        field = object_type.fields.get(name)
        if field is None:
            return None
        how = fast_read(field)
        if how is None:
            return None
        read = self._reader(how, field, details)
        if read is None:
            return None
        origin = _origin(object_type)
        derived = None
        if how.attribute is not None and origin is not None:
            derived = compute_of(origin, how.attribute)
        non_null = isinstance(field.type, GraphQLNonNull)
        inner = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
        if isinstance(inner, GraphQLLeafType):
            return _Entry(key, how.attribute, read, derived=derived, leaf=inner, non_null=non_null)
        complete = self.completer(field.type, field_details)
        if complete is None:
            return None
        return _Entry(key, how.attribute, read, derived=derived, complete=complete)

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
        # A partial (C) rather than a lambda: one Python frame less per read.
        return functools.partial(resolver, **kwargs) if kwargs else resolver

    def completer(self, type_: GraphQLOutputType, field_details: Any) -> Complete | None:
        non_null = isinstance(type_, GraphQLNonNull)
        inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if isinstance(inner, GraphQLLeafType):
            return _leaf(inner.serialize, non_null)
        if isinstance(inner, GraphQLObjectType):
            plan = self.plan(inner, field_details)
            if plan is None:
                return None
            return _object(plan, inner.is_type_of, _origin(inner), non_null)
        if isinstance(inner, GraphQLList):
            item = self.completer(inner.of_type, field_details)
            if item is None:
                return None
            return _list(item, non_null)
        return None  # interfaces and unions: the standard path resolves their type


def _leaf(serialize: Callable[[Any], Any], non_null: bool) -> Complete:
    def complete(value: Any) -> Any:
        if value is None:
            return DECLINED if non_null else None
        out = serialize(value)
        return DECLINED if out is None or out is Undefined else out

    return complete


@dataclass(frozen=True)
class _Entry:
    """One response key of a plan: how its value is read and completed."""

    key: str
    attribute: str | None = None  # read as `source.<attribute>`
    read: Read | None = None  # else called
    derived: Read | None = None  # a Derived field's function (schema/derived.py)
    constant: str | None = None  # __typename
    leaf: GraphQLLeafType | None = None
    non_null: bool = False  # (of a leaf)
    complete: Complete | None = None  # an object or list


# graphql-core's serialisers that return a value of exactly this class as it is: the test
# inline, the call only for other values.
_SAME_VALUE: dict[Callable[..., Any], str] = {
    GraphQLString.serialize: "x.__class__ is str",
    GraphQLID.serialize: "x.__class__ is str",
    GraphQLBoolean.serialize: "x.__class__ is bool",
    GraphQLInt.serialize: "x.__class__ is int and -2147483648 <= x <= 2147483647",
}


def _leaf_lines(entry: _Entry, i: int) -> list[str]:
    assert entry.leaf is not None
    same = _SAME_VALUE.get(entry.leaf.serialize, "False")
    return [
        "    if x is None:",
        "        return DECLINED" if entry.non_null else "        pass",
        f"    elif not ({same}):",
        f"        x = s{i}(x)",
        "        if x is None or x is Undefined:",
        "            return DECLINED",
        f"    v{i} = x",
    ]


def _origin(object_type: GraphQLObjectType) -> type | None:
    definition = object_type.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    origin = getattr(definition, "origin", None)
    return origin if isinstance(origin, type) else None


def _compile(entries: list[_Entry], origin: type | None) -> Plan:
    """The plan as one function: a read and a completion per key, then the dict. A derived
    field (schema/derived.py) is computed by a direct call unless the object already holds
    its value, and only for an object of exactly the type's class (anything else declines:
    graphql-core's path reads it as an attribute)."""
    names: dict[str, Any] = {"DECLINED": DECLINED, "Undefined": Undefined, "C": origin}
    lines = ["def plan(source):"]
    if any(entry.derived is not None for entry in entries):
        lines += [
            "    if source.__class__ is not C:",
            "        return DECLINED",
            "    d = source.__dict__",
        ]
    for i, entry in enumerate(entries):
        attribute = entry.attribute
        if entry.constant is not None:
            names[f"k{i}"] = entry.constant
            lines.append(f"    v{i} = k{i}")
            continue
        if entry.derived is not None:
            names[f"a{i}"], names[f"f{i}"] = attribute, entry.derived
            lines.append(f"    x = d[a{i}] if a{i} in d else f{i}(source)")
        elif attribute is not None and attribute.isidentifier() and not iskeyword(attribute):
            lines.append(f"    x = source.{attribute}")
        else:
            names[f"r{i}"] = entry.read
            lines.append(f"    x = r{i}(source)")
        if entry.leaf is not None:
            names[f"s{i}"] = entry.leaf.serialize
            lines.extend(_leaf_lines(entry, i))
        else:
            assert entry.complete is not None
            inline = _nested_lines(i, entry.complete, names)
            if inline is not None:
                lines.extend(inline)
                continue
            names[f"c{i}"] = entry.complete
            lines += [f"    v{i} = c{i}(x)", f"    if v{i} is DECLINED:", "        return DECLINED"]
    items = ", ".join(f"{entry.key!r}: v{i}" for i, entry in enumerate(entries))
    lines.append(f"    return {{{items}}}")
    # The source holds only names made here, identifiers checked above and reprs of keys.
    exec("\n".join(lines), names)
    plan: Plan = names["plan"]
    return plan


@dataclass(frozen=True)
class _Nested:
    """What a plan's code needs to complete an object inline: its plan, and its class and
    is_type_of (an object of exactly that class needs no is_type_of call)."""

    plan: Plan
    origin: type | None
    is_type_of: Any
    non_null: bool


def _object(plan: Plan, is_type_of: Any, origin: type | None, non_null: bool) -> Complete:
    def complete(value: Any) -> Any:
        if value is None:
            return DECLINED if non_null else None
        # Strawberry's is_type_of is an isinstance check that never reads its info.
        if is_type_of is not None and not is_type_of(value, None):
            return DECLINED
        return plan(value)

    complete.nested = _Nested(plan, origin, is_type_of, non_null)  # type: ignore[attr-defined]
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

    complete.items = (getattr(item, "nested", None), item, non_null)  # type: ignore[attr-defined]
    return complete


def _nested_lines(i: int, complete: Complete, names: dict[str, Any]) -> list[str] | None:
    """Inline code completing `x` into v{i} when `complete` is an object's or a list of
    objects' completer (as `_object` and `_list` would); None: call it."""
    nested: _Nested | None = getattr(complete, "nested", None)
    items = getattr(complete, "items", None)
    if nested is None and items is not None and items[0] is not None:
        nested, item, non_null = items
        assert nested is not None
        if nested.origin is None:
            return None
        names[f"p{i}"], names[f"o{i}"], names[f"q{i}"] = nested.plan, nested.origin, item
        return [
            "    if x is None:",
            "        return DECLINED" if non_null else f"        v{i} = None",
            "    elif not isinstance(x, (list, tuple)):",
            "        return DECLINED",
            "    else:",
            f"        v{i} = [p{i}(y) if y.__class__ is o{i} else q{i}(y) for y in x]",
            f"        for y in v{i}:",
            "            if y is DECLINED:",
            "                return DECLINED",
        ]
    if nested is None:
        return None
    names[f"p{i}"], names[f"o{i}"], names[f"t{i}"] = nested.plan, nested.origin, nested.is_type_of
    check = (
        []
        if nested.is_type_of is None
        else [
            f"        if x.__class__ is not o{i} and not t{i}(x, None):",
            "            return DECLINED",
        ]
    )
    return [
        "    if x is None:",
        "        return DECLINED" if nested.non_null else f"        v{i} = None",
        "    else:",
        *check,
        f"        v{i} = p{i}(x)",
        f"        if v{i} is DECLINED:",
        "            return DECLINED",
    ]
