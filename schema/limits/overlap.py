"""How much work graphql-core's OverlappingFieldsCanBeMergedRule would do, counted cheaply.

That rule compares every pair of fields that end up under the same response name in the
same object (through fragments too), and then their selections pair by pair: quadratic.
400 copies of `viewer { id }` in one query take it about a second. The number of such
pairs, counted on the document with its fragments expanded, predicts its work; counting
walks the expanded document once, so it runs only once its size is known to be bounded.
"""

from __future__ import annotations

from collections import Counter

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from schema.limits.order import fragments_of


def repeated_field_pairs(document: DocumentNode, *, budget: int) -> int | None:
    """Pairs of fields sharing a response path; None if the walk passes `budget` selections."""
    fragments = fragments_of(document)
    counts: Counter[tuple[int, str]] = Counter()
    paths: dict[tuple[int, str], int] = {}  # (parent path, response name) -> path id
    active: set[str] = set()  # fragments being expanded (a cycle is skipped, not followed)
    # (selections, path id, fragment entered) or (None, 0, fragment left)
    stack: list[tuple[SelectionSetNode | None, int, str | None]] = [
        (d.selection_set, 0, None)
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    ]
    visited = 0
    while stack:
        current, path, fragment = stack.pop()
        if current is None:
            active.discard(fragment or "")
            continue
        if fragment is not None:
            if fragment in active:
                continue
            active.add(fragment)
            stack.append((None, 0, fragment))
        visited += len(current.selections)
        if visited > budget:
            return None
        for selection in current.selections:
            if isinstance(selection, FieldNode):
                key = (path, (selection.alias or selection.name).value)
                counts[key] += 1
                if selection.selection_set:
                    inner = paths.setdefault(key, len(paths) + 1)
                    stack.append((selection.selection_set, inner, None))
            elif isinstance(selection, InlineFragmentNode):
                stack.append((selection.selection_set, path, None))
            elif isinstance(selection, FragmentSpreadNode):
                target = fragments.get(selection.name.value)
                if target is not None:
                    stack.append((target.selection_set, path, selection.name.value))
    return sum(n * (n - 1) // 2 for n in counts.values())
