"""Object plans shared across executions of the same parsed document.

A plan (schema/object_plans.py) depends on the selection (the field nodes, which the parse
cache hands out as the same objects for the same query text) and on the values of the
variables used under it (arguments, @skip/@include). So plans are kept per selection and
per values of exactly those variables: a feed page's `$after` changes every page, but the
posts' selection below it does not use it, and its plans are built once per process.

Bounded: at most SELECTIONS selections (least recently used go first) and VALUES plans per
selection; past that a plan is built for the execution alone.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    InlineFragmentNode,
    Node,
    VariableNode,
)

from schema.object_plans import Plan

SELECTIONS = 512
VALUES = 16


@dataclass(slots=True)
class _Entry:
    object_type: GraphQLObjectType
    nodes: tuple[FieldNode, ...]  # kept: the key holds their ids
    variables: tuple[str, ...]  # used anywhere under the selection
    plans: dict[tuple[Any, ...], Plan | None] = field(default_factory=dict)


class PlanCache:
    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[int, ...], _Entry] = OrderedDict()

    def plan(
        self,
        object_type: GraphQLObjectType,
        details_list: Any,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        build: Callable[[], Plan | None],
    ) -> Plan | None:
        if any(d.fragment_variable_values is not None for d in details_list):
            return build()  # fragment arguments: values this cache does not key on
        nodes = tuple(d.node for d in details_list)
        key = (id(object_type), *map(id, nodes))
        entry = self._entries.get(key)
        if entry is None or not _same(entry, object_type, nodes):
            names = tuple(sorted(used_variables(nodes, fragments)))
            entry = self._entries[key] = _Entry(object_type, nodes, names)
            if len(self._entries) > SELECTIONS:
                self._entries.popitem(last=False)
        else:
            self._entries.move_to_end(key)
        values = tuple(_frozen(variables.get(name)) for name in entry.variables)
        if values in entry.plans:
            return entry.plans[values]
        plan = build()
        if len(entry.plans) < VALUES:
            entry.plans[values] = plan
        return plan


def _same(entry: _Entry, object_type: GraphQLObjectType, nodes: tuple[FieldNode, ...]) -> bool:
    return (
        entry.object_type is object_type
        and len(entry.nodes) == len(nodes)
        and all(a is b for a, b in zip(entry.nodes, nodes, strict=True))
    )


def _frozen(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return (type(value), value)  # 1 and True are equal keys otherwise
    return (type(value), repr(value))


def used_variables(
    nodes: Iterable[Node], fragments: Mapping[str, FragmentDefinitionNode]
) -> set[str]:
    """Names of the variables used in these nodes and everything below them, through
    fragment spreads."""
    names: set[str] = set()
    seen_fragments: set[str] = set()
    stack: list[Any] = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, VariableNode):
            names.add(node.name.value)
            continue
        if isinstance(node, FragmentSpreadNode):
            name = node.name.value
            if name not in seen_fragments and name in fragments:
                seen_fragments.add(name)
                stack.append(fragments[name])
        if isinstance(node, FieldNode | InlineFragmentNode | FragmentSpreadNode):
            stack.extend(_children(node))
        elif isinstance(node, FragmentDefinitionNode):
            stack.extend(node.directives or ())
            if node.selection_set is not None:
                stack.extend(node.selection_set.selections)
        else:  # arguments, directives and values: look for variables anywhere inside
            for key in node.keys:
                value = getattr(node, key, None)
                if isinstance(value, Node):
                    stack.append(value)
                elif isinstance(value, tuple | list):
                    stack.extend(v for v in value if isinstance(v, Node))
    return names


def _children(node: Any) -> list[Any]:
    children: list[Any] = list(getattr(node, "arguments", None) or ())
    children.extend(node.directives or ())
    selection_set = getattr(node, "selection_set", None)
    if selection_set is not None:
        children.extend(selection_set.selections)
    return children
