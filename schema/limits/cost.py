"""The static cost of an operation: about how many objects executing it may produce.

GitHub-style, and computed before execution from the document and the variables:

- a scalar or enum field costs nothing, and neither does introspection (`__schema`, `__type`,
  `__typename`: served from memory, its depth bounded by graphql-core's own rule);
- any other field costs 1, plus the cost of its selection;
- a field with a `first` argument (a connection, `search`, ...) multiplies the cost of its
  selection by `first` (its default when not given, never more than the page size limit,
  which the resolvers enforce anyway); a list field with `first` costs `first` objects;
- a list field without `first` costs as many objects as its expected length (LIST_SIZES),
  except the lists of a page (`edges`, `SearchResult.users`), already counted by `first`.

So `comments(first: 50) { edges { node { id } } }` costs 1 + 50 * (1 + 1) = 101, and the
cost of a fragment is computed once however often it is spread.

The default limit (SNAPFEED_MAX_QUERY_COST = 10 000) was chosen from measurements: the
probe's 125 000 comments took 5.3 s, about 40 us per object, so 10 000 is at most ~0.4 s of
one core. Every query in the README, the tests and the benchmarks costs at most ~1 500 (the
story tray), an app's home screen (tests/test_query_limits.py: 50 posts with author, carousel,
variants and 3 comments each, plus the story tray) about 3 600, a profile or post screen under
1 000, while three nested `comments(first: 50)` cost 260 202 and are refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)

from schema.limits.order import dependency_order, fragments_of

# Expected lengths of lists that take no `first`. Unknown lists count DEFAULT_LIST_SIZE.
LIST_SIZES: Mapping[tuple[str, str], int] = {
    ("Post", "media"): 10,  # a carousel holds 1 to 10 items
    ("Media", "variants"): 4,  # one per MediaSize
    ("Query", "storyReels"): 20,  # a tray shows about this many; the resolver has no cap
    ("StoryReel", "stories"): 10,
}
DEFAULT_LIST_SIZE = 10


@dataclass(frozen=True)
class CostModel:
    schema: GraphQLSchema
    # Types a `first` argument pages through (PostConnection, SearchResult, ...): their lists
    # hold the page, already counted by `first`.
    page_types: frozenset[str]

    @classmethod
    def of(cls, schema: GraphQLSchema) -> CostModel:
        page_types = set()
        for named in schema.type_map.values():
            if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
                for definition in named.fields.values():
                    if "first" in definition.args and not is_list_type(
                        get_nullable_type(definition.type)
                    ):
                        page_types.add(get_named_type(definition.type).name)
        return cls(schema, frozenset(page_types))


@dataclass
class _Local:
    cost: int = 0
    spreads: list[tuple[str, int]] = field(default_factory=list)  # (fragment, multiplier)


def operation_cost(
    model: CostModel,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any],
    max_page_size: int,
) -> int:
    firsts = _Firsts(max_page_size, operation, variables)
    local: dict[str, _Local] = {}
    for name, fragment in fragments_of(document).items():
        on = model.schema.get_type(fragment.type_condition.name.value)
        local[name] = _walk(model, fragment.selection_set, on, firsts)
    costs: dict[str, int] = {}
    for name in dependency_order({n: [s for s, _ in part.spreads] for n, part in local.items()}):
        costs[name] = _combine(local[name], costs)
    root = model.schema.get_root_type(operation.operation)
    return _combine(_walk(model, operation.selection_set, root, firsts), costs)


def select_operation(
    document: DocumentNode, operation_name: str | None
) -> OperationDefinitionNode | None:
    """The operation a request runs, as graphql-core picks it; None when it cannot tell."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == operation_name), None)


def _combine(part: _Local, costs: dict[str, int]) -> int:
    # A fragment not in `costs` is unknown or in a cycle: validation refuses both.
    return part.cost + sum(m * costs[name] for name, m in part.spreads if name in costs)


class _Firsts:
    """The value of each `first` argument, from literals, variables and defaults."""

    def __init__(
        self, max_page_size: int, operation: OperationDefinitionNode, variables: Mapping[str, Any]
    ) -> None:
        self.max_page_size = max_page_size
        self.variables = variables
        self.defaults = {
            d.variable.name.value: d.default_value for d in operation.variable_definitions or ()
        }

    def __call__(self, node: FieldNode, definition: GraphQLField) -> int:
        given = next((a.value for a in node.arguments or () if a.name.value == "first"), None)
        if isinstance(given, VariableNode):
            name = given.name.value
            given = self.variables[name] if name in self.variables else self.defaults.get(name)
        value = _int(given)
        if value is None:
            value = _int(definition.args["first"].default_value)
        # Past the page size limit the resolver refuses the request with BAD_USER_INPUT.
        return self.max_page_size if value is None else min(max(value, 0), self.max_page_size)


def _int(value: object) -> int | None:
    if isinstance(value, IntValueNode):
        # Short enough for int(); anything longer is past every limit (and not an Int).
        return int(value.value) if len(value.value) <= 18 else 2**63
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)  # JSON 50.0: graphql-core coerces it to the Int 50
    return None


def _walk(
    model: CostModel,
    selection_set: SelectionSetNode,
    on: GraphQLNamedType | None,
    firsts: _Firsts,
) -> _Local:
    part = _Local()
    # (selections, the type they select from, how many times each is produced)
    stack: list[tuple[SelectionSetNode, GraphQLNamedType | None, int]] = [(selection_set, on, 1)]
    while stack:
        current, parent, times = stack.pop()
        for selection in current.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                if selection.selection_set is None or name.startswith("__"):
                    continue  # scalars, enums and introspection
                definition = (
                    parent.fields.get(name)
                    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType)
                    else None
                )
                if definition is None:  # not in the schema: validation refuses it
                    part.cost += times
                    stack.append((selection.selection_set, None, times))
                    continue
                assert parent is not None
                each, items = _multipliers(model, parent.name, name, selection, definition, firsts)
                part.cost += times * each
                inner = get_named_type(definition.type)
                stack.append((selection.selection_set, inner, times * items))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = model.schema.get_type(condition.name.value) if condition else parent
                stack.append((selection.selection_set, inner, times))
            elif isinstance(selection, FragmentSpreadNode):
                part.spreads.append((selection.name.value, times))
    return part


def _multipliers(
    model: CostModel,
    parent: str,
    name: str,
    node: FieldNode,
    definition: GraphQLField,
    firsts: _Firsts,
) -> tuple[int, int]:
    """(objects this field costs, how many times its selection is produced)."""
    paged = "first" in definition.args
    count = firsts(node, definition) if paged else 1
    if is_list_type(get_nullable_type(definition.type)):
        if not paged:
            expected = LIST_SIZES.get((parent, name), DEFAULT_LIST_SIZE)
            count = 1 if parent in model.page_types else expected
        return count, count
    return 1, count
