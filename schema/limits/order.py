"""Fragments in dependency order, without recursion (a chain may be thousands long)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from graphql import DocumentNode, FragmentDefinitionNode


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    """Fragment definitions by name; a duplicate name keeps the first (validation refuses it)."""
    found: dict[str, FragmentDefinitionNode] = {}
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            found.setdefault(definition.name.value, definition)
    return found


def dependency_order(spreads: Mapping[str, Iterable[str]]) -> list[str]:
    """Every name in `spreads`, each after the names it spreads (when it is not in a cycle).

    Validation refuses cycles and unknown fragments; callers treat a spread of a fragment
    that comes later in this order (only possible in a cycle) or of an unknown one as empty.
    """
    order: list[str] = []
    done: set[str] = set()
    for root in spreads:
        if root in done:
            continue
        done.add(root)
        stack = [(root, iter(spreads[root]))]
        while stack:
            name, targets = stack[-1]
            target = next(targets, None)
            if target is None:
                stack.pop()
                order.append(name)
            elif target in spreads and target not in done:
                done.add(target)
                stack.append((target, iter(spreads[target])))
    return order
