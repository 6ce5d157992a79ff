"""Depth, aliases and size of a document, whatever its fragments, in one linear pass."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)

from schema.limits.order import dependency_order, fragments_of


@dataclass(frozen=True)
class Shape:
    # Depth as Strawberry's QueryDepthLimiter counted it: top-level fields are at 0, and
    # nothing below an introspection field (`__schema`, `__type`) counts, so that GraphiQL's
    # introspection query passes; graphql-core's MaxIntrospectionDepthRule bounds that part.
    depth: int = 0
    aliases: int = 0
    # Fields, fragment spreads and inline fragments once every spread is replaced by its
    # fragment: what a rule that re-walks fragments would visit.
    selections: int = 0


@dataclass(frozen=True)
class DocumentShape:
    operations: tuple[tuple[str, Shape], ...]  # (name or "anonymous", shape), in order
    first_variables: frozenset[str]  # variables given to some `first` argument

    @property
    def aliases(self) -> int:
        return sum(shape.aliases for _, shape in self.operations)

    @property
    def selections(self) -> int:
        return sum(shape.selections for _, shape in self.operations)


@dataclass
class _Local:
    """What one definition holds itself, and where it spreads which fragment."""

    depth: int = 0
    aliases: int = 0
    selections: int = 0
    spreads: list[tuple[str, int | None]] = field(default_factory=list)  # None: no depth
    first_variables: set[str] = field(default_factory=set)


def analyse(document: DocumentNode) -> DocumentShape:
    fragments = fragments_of(document)
    local = {name: _walk(fragment.selection_set) for name, fragment in fragments.items()}
    shapes: dict[str, Shape] = {}
    for name in dependency_order({n: [s for s, _ in part.spreads] for n, part in local.items()}):
        shapes[name] = _combine(local[name], shapes)
    operations = []
    first_variables = {v for part in local.values() for v in part.first_variables}
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            part = _walk(definition.selection_set)
            first_variables |= part.first_variables
            name = definition.name.value if definition.name else "anonymous"
            operations.append((name, _combine(part, shapes)))
    return DocumentShape(tuple(operations), frozenset(first_variables))


def _combine(part: _Local, shapes: dict[str, Shape]) -> Shape:
    # A fragment not in `shapes` is unknown or part of a cycle: validation refuses both.
    spread = [(shapes[name], depth) for name, depth in part.spreads if name in shapes]
    return Shape(
        depth=max([part.depth, *(d + s.depth for s, d in spread if d is not None)]),
        aliases=part.aliases + sum(s.aliases for s, _ in spread),
        selections=part.selections + sum(s.selections for s, _ in spread),
    )


def _walk(selection_set: SelectionSetNode) -> _Local:
    part = _Local()
    # (selections, depth, below an introspection field); a stack, not recursion
    stack: list[tuple[SelectionSetNode, int, bool]] = [(selection_set, 0, False)]
    while stack:
        current, depth, introspection = stack.pop()
        for selection in current.selections:
            part.selections += 1
            if not introspection:
                part.depth = max(part.depth, depth)
            if isinstance(selection, FieldNode):
                if selection.alias:
                    part.aliases += 1
                for argument in selection.arguments or ():
                    if argument.name.value == "first" and isinstance(argument.value, VariableNode):
                        part.first_variables.add(argument.value.name.value)
                if selection.selection_set:
                    below = introspection or selection.name.value.startswith("__")
                    stack.append((selection.selection_set, depth + 1, below))
            elif isinstance(selection, InlineFragmentNode):
                stack.append((selection.selection_set, depth, introspection))
            elif isinstance(selection, FragmentSpreadNode):
                part.spreads.append((selection.name.value, None if introspection else depth))
    return part
