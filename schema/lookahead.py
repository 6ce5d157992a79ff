"""What a field's selection asks of a child field, read before the field is resolved, so a
resolver can fetch the child's data with its own (one round trip, not two)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    InlineFragmentNode,
    NamedTypeNode,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution.values import VariableValues, get_argument_values

from schema.info import Info
from schema.plan_cache import used_variables

P = TypeVar("P")


@dataclass(frozen=True)
class ReadWith(Generic[P]):
    """A page of a child connection read with its owner, for these arguments."""

    first: int
    after: str | None
    page: P

    def page_for(self, first: int, after: str | None) -> P | None:
        """The page, when the child is asked for it with these arguments."""
        return self.page if (first, after) == (self.first, self.after) else None


def page_arguments(info: Info, name: str, default_first: int) -> tuple[int, str | None] | None:
    """`first` and `after` of the child connection `name`, as `child_arguments` finds them
    (`first` null or absent: `default_first`); None when it cannot tell."""
    wanted = child_arguments(info, name)
    if wanted is None:
        return None
    first = wanted.get("first")
    return (default_first if first is None else first), wanted.get("after")


# Answers that depend on the document alone (no variable in the child's arguments), by the
# field's nodes: a cached document's nodes are the same objects on every request, so a
# grid or a tag page asked by the same query reads its child's arguments once per process.
# An entry keeps its nodes, so their ids stay theirs.
_ANSWERS: dict[tuple[Any, ...], tuple[list[FieldNode], dict[str, Any] | None]] = {}
_MAX_ANSWERS = 1024


def child_arguments(info: Info, name: str) -> dict[str, Any] | None:
    """The arguments (by GraphQL name, coerced, defaults applied) of the child field `name`
    of this field's selection, when every selection of it asks with the same ones; None when
    it is not selected, is selected with different arguments, or anything on the way carries
    a directive (@skip and @include are left to the executor to decide)."""
    raw = info._raw_info
    nodes = raw.field_nodes
    key = (name, id(raw.return_type), *map(id, nodes))
    known = _ANSWERS.get(key)
    if known is not None and all(a is b for a, b in zip(known[0], nodes, strict=True)):
        return None if known[1] is None else dict(known[1])
    answer, document_only = _child_arguments(raw, name)
    if document_only:
        if len(_ANSWERS) >= _MAX_ANSWERS:
            _ANSWERS.clear()
        _ANSWERS[key] = (list(nodes), None if answer is None else dict(answer))
    return answer


def _child_arguments(raw: Any, name: str) -> tuple[dict[str, Any] | None, bool]:
    """`child_arguments`, and whether the answer depends on the document alone."""
    parent = get_named_type(raw.return_type)
    if not isinstance(parent, GraphQLObjectType) or name not in parent.fields:
        return None, True
    found: list[FieldNode] = []
    pending: list[SelectionSetNode | None] = [node.selection_set for node in raw.field_nodes]
    while pending:
        selection_set = pending.pop()
        for selection in selection_set.selections if selection_set else ():
            if selection.directives:
                return None, True
            if isinstance(selection, FieldNode):
                if selection.name.value == name:
                    found.append(selection)
                continue
            condition: NamedTypeNode | None
            if isinstance(selection, FragmentSpreadNode):
                fragment = raw.fragments.get(selection.name.value)
                if fragment is None or fragment.directives:
                    return None, True
                condition, nested = fragment.type_condition, fragment.selection_set
            elif isinstance(selection, InlineFragmentNode):
                condition, nested = selection.type_condition, selection.selection_set
            else:
                return None, True
            if condition is not None and condition.name.value != parent.name:
                return None, True  # an interface's or union's fragment: not worth deciding here
            pending.append(nested)
    if not found:
        return None, True
    document_only = not used_variables(
        [a.value for node in found for a in node.arguments or ()], {}
    )
    variables = raw.variable_values
    if not isinstance(variables, VariableValues):  # Strawberry's infos hold the coerced dict
        variables = VariableValues({}, variables)
    try:
        values = [get_argument_values(parent.fields[name], node, variables) for node in found]
    except Exception:
        return None, document_only  # the executor reports bad arguments where they belong
    return (values[0] if all(v == values[0] for v in values) else None), document_only
