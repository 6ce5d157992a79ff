"""Unit tests for the static query limits in schema/limits/ (pure; no embedded services)."""

from __future__ import annotations

from collections import Counter
from functools import cache
from typing import Any

import pytest
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
)

from schema.limits import cost as cost_module
from schema.limits import shape as shape_module
from schema.limits.cost import CostModel, operation_cost, select_operation
from schema.limits.order import dependency_order
from schema.limits.overlap import repeated_field_pairs
from schema.limits.shape import Shape, analyse
from schema.schema import build_schema
from storage.settings import Settings


@cache
def _schema() -> GraphQLSchema:
    return build_schema(Settings())._schema


def _cost(query: str, variables: dict[str, Any] | None = None, page: int = 50) -> int:
    document = parse(query)
    operation = select_operation(document, None)
    assert operation is not None
    return operation_cost(CostModel.of(_schema()), document, operation, variables or {}, page)


def doubling(levels: int) -> str:
    parts = ["query Q { ...F0 }"]
    parts += [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    parts.append(
        f"fragment F{levels} on Query {{ feed(first: 2) {{ edges {{ node {{ id }} }} }} }}"
    )
    return "\n".join(parts)


FEED_IDS = "feed(first: $n) { edges { node { id } } }"


@pytest.mark.parametrize(
    ("query", "variables", "expected"),
    [
        ("{ viewer { id } }", {}, 1),  # an object costs 1, its scalars nothing
        ("{ __typename }", {}, 0),
        ("{ __schema { types { fields { name } } } }", {}, 0),  # introspection is free
        ("{ viewer { id username } feed { edges { node { id } } } }", {}, 1 + 1 + 20 * 2),
        ("{ feed(first: 5) { pageInfo { hasNextPage } } }", {}, 1 + 5 * 1),
        (f"query($n: Int) {{ {FEED_IDS} }}", {"n": 3}, 1 + 3 * 2),  # the variable's value
        (f"query($n: Int) {{ {FEED_IDS} }}", {}, 1 + 20 * 2),  # the argument's default
        (f"query($n: Int = 7) {{ {FEED_IDS} }}", {}, 1 + 7 * 2),  # the variable's default
        (f"query($n: Int = 7) {{ {FEED_IDS} }}", {"n": None}, 1 + 20 * 2),
        (f"query($n: Int) {{ {FEED_IDS} }}", {"n": "x"}, 1 + 20 * 2),  # coercion refuses it
        (f"query($n: Int) {{ {FEED_IDS} }}", {"n": 30.0}, 1 + 30 * 2),  # coerced to 30
        (f"query($n: Int) {{ {FEED_IDS} }}", {"n": True}, 1 + 20 * 2),
        ("{ feed(first: 1000) { edges { node { id } } } }", {}, 1 + 50 * 2),  # page size cap
        ("{ feed(first: 99999999999999999999999) { edges { node { id } } } }", {}, 1 + 50 * 2),
        ("{ feed(first: -3) { edges { node { id } } } }", {}, 1),
        ('{ post(id: "x") { media { variants { url } } } }', {}, 1 + 10 * (1 + 4)),  # lists
        ('{ search(query: "a", first: 4) { users { id } hashtags { name } } }', {}, 1 + 4 * 2),
        ("{ storyReels { stories { id } author { id } } }", {}, 20 * (1 + 10 + 1)),
        ("{ ...F ...F } fragment F on Query { viewer { id } }", {}, 2),
        (
            "{ feed(first: 10) { edges { node { ...P } } } }"
            " fragment P on Post { author { id } comments(first: 2) { edges { node { id } } } }",
            {},
            1 + 10 * (1 + 1 + 1 + (1 + 2 * 2)),
        ),
        (
            "query($id: ID!) { node(id: $id) { ... on User { posts(first: 3) {"
            " edges { node { id } } } } } }",
            {},
            1 + 1 + 3 * 2,
        ),
        ("{ nope { id } }", {}, 1),  # unknown to the schema: validation refuses it later
        ('mutation { likePost(postId: "x") { id author { id } } }', {}, 2),
        (doubling(3), {}, 2**3 * (1 + 2 * 2)),
    ],
)
def test_cost(query: str, variables: dict[str, Any], expected: int) -> None:
    assert _cost(query, variables) == expected


@pytest.mark.parametrize(("page", "expected"), [(50, 1 + 50 * 2), (10, 1 + 10 * 2), (0, 1)])
def test_cost_caps_first_at_the_page_size(page: int, expected: int) -> None:
    assert _cost("{ feed(first: 50) { edges { node { id } } } }", page=page) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("{ viewer { id } }", (1, 0, 2)),
        ("{ a: viewer { id } b: viewer { id } }", (1, 2, 4)),
        ("query { ...F } fragment F on Query { x: viewer { id } }", (1, 1, 3)),
        ("{ __schema { types { fields { name } } } }", (0, 0, 4)),  # introspection: no depth
        ("{ viewer { followers { edges { node { id } } } } }", (4, 0, 5)),
        (
            "{ viewer { ...U } } fragment U on User { followers { edges { node { id } } } }",
            (4, 0, 6),
        ),
        ("{ ... on Query { viewer { __typename } } }", (1, 0, 3)),
        ("{ ...Missing viewer { id } }", (1, 0, 3)),  # unknown fragment: counted empty
        # A cycle (validation refuses it) is cut, not followed forever.
        (
            "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A viewer { id } }",
            (1, 0, 5),
        ),
        (doubling(3), (3, 0, 1 + 2 + 4 + 8 + 8 * 4)),  # spreads, then 8 copies of F3
    ],
)
def test_shape(query: str, expected: tuple[int, int, int]) -> None:
    [(_, shape)] = analyse(parse(query)).operations
    assert (shape.depth, shape.aliases, shape.selections) == expected


def test_shape_of_several_operations() -> None:
    shape = analyse(parse("query A { viewer { id } } query B($n: Int) { a: viewer { b: id } }"))
    assert shape.operations == (("A", Shape(1, 0, 2)), ("B", Shape(1, 2, 2)))
    assert shape.aliases == 2 and shape.selections == 4
    assert analyse(parse(f"query($n: Int) {{ {FEED_IDS} }}")).first_variables == {"n"}


def test_forty_doubling_levels_are_counted_not_walked() -> None:
    [(_, shape)] = analyse(parse(doubling(40))).operations
    assert shape.selections == 2**41 - 1 + 2**40 * 4
    assert shape.depth == 3
    assert _cost(doubling(40)) == 2**40 * 5


def _walk_counter(
    monkeypatch: pytest.MonkeyPatch, module: Any, document: DocumentNode
) -> Counter[str]:
    """Counts, per definition of `document`, how often `module._walk` walks its selections."""
    names = {
        id(d.selection_set): d.name.value if d.name else "operation"
        for d in document.definitions
        if isinstance(d, FragmentDefinitionNode | OperationDefinitionNode)
    }
    walks: Counter[str] = Counter()
    real = module._walk

    def counting(*args: Any) -> Any:
        walks[next(names[id(a)] for a in args if id(a) in names)] += 1
        return real(*args)

    monkeypatch.setattr(module, "_walk", counting)
    return walks


ONCE_EACH = Counter({"Q": 1, **{f"F{i}": 1 for i in range(41)}})


def test_shape_walks_each_fragment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    document = parse(doubling(40))
    walks = _walk_counter(monkeypatch, shape_module, document)
    analyse(document)
    assert walks == ONCE_EACH


def test_cost_walks_each_fragment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    document = parse(doubling(40))
    walks = _walk_counter(monkeypatch, cost_module, document)
    operation = select_operation(document, None)
    assert operation is not None
    operation_cost(CostModel.of(_schema()), document, operation, {}, 50)
    assert walks == ONCE_EACH


@pytest.mark.parametrize(
    ("spreads", "expected"),
    [
        ({}, []),
        ({"A": []}, ["A"]),
        ({"A": ["B"], "B": ["C"], "C": []}, ["C", "B", "A"]),
        ({"A": ["B", "B", "C"], "B": ["C"], "C": []}, ["C", "B", "A"]),
        ({"A": ["Unknown"]}, ["A"]),
        ({"A": ["B"], "B": ["A"]}, ["B", "A"]),  # a cycle: each name once all the same
        ({"A": ["A"]}, ["A"]),
    ],
)
def test_dependency_order(spreads: dict[str, list[str]], expected: list[str]) -> None:
    assert dependency_order(spreads) == expected


def test_dependency_order_of_a_long_chain_needs_no_recursion() -> None:
    chain = {f"F{i}": [f"F{i + 1}"] for i in range(5_000)} | {"F5000": []}
    assert dependency_order(chain) == [f"F{i}" for i in range(5_000, -1, -1)]


@pytest.mark.parametrize(
    ("query", "budget", "expected"),
    [
        ("{ viewer { id username } }", 100, 0),
        ("{ viewer { id } viewer { id } }", 100, 1 + 1),  # viewer twice, and viewer.id twice
        ("{ " + "viewer { id } " * 4 + "}", 100, 6 + 6),
        ("{ a: viewer { id } b: viewer { id } }", 100, 0),  # other response names
        ("{ viewer { id ...U } } fragment U on User { id }", 100, 1),
        ("{ ...Q ...Q } fragment Q on Query { viewer { id } }", 100, 1 + 1),
        ("{ ... on Query { viewer { id } } viewer { id } }", 100, 1 + 1),
        ("{ ...A } fragment A on Query { ...A viewer { id } }", 100, 0),  # cycle cut
        ("{ " + "viewer { id } " * 60 + "}", 100, None),  # over budget: not counted
    ],
)
def test_repeated_field_pairs(query: str, budget: int, expected: int | None) -> None:
    assert repeated_field_pairs(parse(query), budget=budget) == expected
