"""The fast path of schema/execution.py answers exactly what graphql-core's path answers:
the same data and the same errors, query by query (a differential test on a small schema
with every shape the fast path handles or declines)."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import pytest
import strawberry
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLObjectType,
    OperationDefinitionNode,
    parse,
)
from strawberry.extensions import ParserCache
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.derived import Derived, compute_of, derive
from schema.execution import FastExecutionContext
from schema.field_reads import fast_call, fast_read
from schema.plan_cache import used_variables


@strawberry.enum
class Size(enum.Enum):
    SMALL = "SMALL"
    LARGE = "LARGE"


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Tag:
    label: str


@strawberry.type
class Item(Named):
    count: int
    size: Size
    at: datetime
    tags: list[Tag]
    maybe_tags: list[Tag | None]
    scores: list[int]
    broken: int  # set to None on purpose: a null in a non-null field
    note: str | None
    child: Item | None
    big: int  # past 32 bits in one item: an Int error
    flag: bool
    ident: strawberry.ID
    ratio: float

    @strawberry.field
    def label(self, size: Size | None = Size.SMALL, upper: bool = False) -> str:
        text = f"{self.name}-{(size or Size.SMALL).value}"
        return text.upper() if upper else text.lower()

    @strawberry.field
    def fails(self) -> str | None:
        raise ValueError("boom")

    @strawberry.field
    async def later(self) -> int:
        return self.count * 10


def _item(
    name: str, *, broken: Any = 1, child: Item | None = None, big: int = 7, flag: Any = True
) -> Item:
    return Item(
        name=name,
        count=len(name),
        size=Size.LARGE,
        at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        tags=[Tag(label="a"), Tag(label="b")],
        maybe_tags=[Tag(label="c"), None],
        scores=[1, 2, 3],
        broken=broken,
        note=None,
        child=child,
        big=big,
        flag=flag,
        ident=strawberry.ID(f"id-{name}"),
        ratio=0.5,
    )


@strawberry.type
class Box(Derived):
    """Fields derived on first read: plans call the deriving functions directly."""

    raw: strawberry.Private[dict[str, Any]]
    label: str
    size: int | None


derive(
    Box,
    {"label": lambda b: str(b.raw["label"]).upper(), "size": lambda b: b.raw.get("size")},
    given={"raw"},
)


class OddBox(Box):  # not the type's own class: the plan declines it
    pass


class Deny(strawberry.BasePermission):
    message = "Not for you"

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [_item("one", child=_item("kid")), _item("two")]

    @strawberry.field
    def broken_items(self) -> list[Item]:
        return [_item("ok"), _item("bad", broken=None)]

    @strawberry.field
    def maybe_broken(self) -> list[Item | None]:
        return [_item("ok"), _item("bad", broken=None)]

    @strawberry.field
    def boxes(self) -> list[Box]:
        read = Box.make(raw={"label": "read", "size": 2})
        assert read.label == "READ"  # already derived: the stored value is served
        return [
            Box.make(raw={"label": "plain", "size": 1}),
            read,
            Box.make(raw={"label": "x"}, label="given"),  # a value given to make
            OddBox.make(raw={"label": "odd", "size": 4}),
        ]

    @strawberry.field
    def bad_boxes(self) -> list[Box]:
        return [Box.make(raw={"label": "ok"}), Box.make(raw={"label": "bad", "size": 2**40})]

    # Resolvers given their info (called directly by the fast path: FastCall).
    @strawberry.field
    async def found(
        self, info: strawberry.Info, name: str, size: Size | None = None, first: int = 2
    ) -> list[Item]:
        # The info is Strawberry's, for this field at this place.
        suffix = f"{info.field_name}@{info.path.key}:{size.value if size else '-'}"
        return [_item(f"{name}{i}-{suffix}") for i in range(first)]

    @strawberry.field
    def echo(self, info: strawberry.Info, ident: strawberry.ID, flag: bool = False) -> str:
        return f"{ident}:{flag}:{info.path.key}:{type(ident).__name__}"

    @strawberry.field
    async def lost(self, info: strawberry.Info) -> Item:
        return None  # type: ignore[return-value]  # a null in a non-null field

    @strawberry.field
    async def raises(self, info: strawberry.Info) -> Item | None:
        raise ValueError("async boom")

    @strawberry.field
    def raises_now(self, info: strawberry.Info) -> int | None:
        raise ValueError("sync boom")

    @strawberry.field(permission_classes=[Deny])  # type: ignore[untyped-decorator]
    def guarded(self) -> int:  # a field extension: Strawberry's own path
        return 1

    @strawberry.field
    def odd_leaves(self) -> list[Item | None]:
        # An Int past 32 bits; a Boolean and an Int given as other classes.
        return [_item("huge", big=2**40), _item("int-flag", flag=1), _item("b", big=True)]


def _schema(context: type[StrawberryGraphQLCoreExecutionContext]) -> strawberry.Schema:
    return strawberry.Schema(Query, types=[Item], execution_context_class=context)


FAST, SLOW = _schema(FastExecutionContext), _schema(StrawberryGraphQLCoreExecutionContext)

QUERIES = [
    "{ items { name count size at scores tags { label } maybeTags { label } note } }",
    "{ items { a: name b: name c: count child { name child { name } } } }",
    "{ items { __typename ... on Item { name } ...F } } fragment F on Named { name }",
    "{ items { label l2: label(size: LARGE) l3: label(size: null, upper: true) } }",
    "query($s: Size, $u: Boolean!) { items { label(size: $s, upper: $u) } }",
    "{ items { name fails } }",
    "{ items { name later child { later } } }",
    "{ brokenItems { name broken } }",
    "{ maybeBroken { name broken } }",
    "{ items { name @skip(if: true) count @include(if: false) size } }",
    "{ items { tags { label @include(if: true) } } }",
    "{ items { big flag ident ratio } oddLeaves { name big flag ident ratio } }",
    "{ boxes { label size __typename } }",
    "{ boxes { label } }",
    "{ badBoxes { label size } }",
    '{ found(name: "f", size: LARGE, first: 3) { name label(size: SMALL) later } }',
    'query($n: String!) { a: found(name: $n) { name } b: found(name: "x", first: 1) { name } }',
    '{ e1: echo(ident: "i1") e2: echo(ident: 5, flag: true) }',
    "{ lost { name } }",
    "{ raises { name } raisesNow items { name } }",
    "{ guarded }",
    "{ found(name: 7) { name } }",
]
VARIABLES = {"s": "LARGE", "u": True, "n": "v"}


@pytest.mark.parametrize("query", QUERIES)
async def test_fast_and_standard_paths_agree(query: str) -> None:
    fast = await FAST.execute(query, variable_values=VARIABLES)
    slow = await SLOW.execute(query, variable_values=VARIABLES)
    assert fast.data == slow.data
    assert [e.formatted for e in fast.errors or []] == [e.formatted for e in slow.errors or []]


@pytest.mark.parametrize(
    ("type_name", "field_name", "attribute", "resolver", "call"),
    [
        ("Item", "name", "name", False, False),  # plain attribute
        ("Item", "child", "child", False, False),
        ("Item", "label", None, True, True),  # sync resolver with leaf arguments, no info
        ("Item", "fails", None, True, True),
        ("Item", "later", None, False, True),  # async: called, then awaited
        ("Query", "items", None, True, True),
        ("Query", "found", None, False, True),  # given its info
        ("Query", "echo", None, False, True),
        ("Query", "guarded", None, False, False),  # a permission: Strawberry's path
    ],
)
def test_which_fields_take_the_fast_path(
    type_name: str, field_name: str, attribute: str | None, resolver: bool, call: bool
) -> None:
    owner = FAST._schema.type_map[type_name]
    assert isinstance(owner, GraphQLObjectType)
    field = owner.fields[field_name]
    assert (fast_call(field) is not None) is call
    read = fast_read(field)
    if attribute is None and not resolver:
        assert read is None
        return
    assert read is not None
    assert read.attribute == attribute
    assert (read.resolver is not None) is resolver


def test_a_plan_belongs_to_its_own_field_object() -> None:
    """Field objects of schemas built and dropped (tests build many) must never lend their
    plans to new fields that happen to get the same id()."""
    for _ in range(50):
        built = _schema(FastExecutionContext)
        owner = built._schema.type_map["Item"]
        assert isinstance(owner, GraphQLObjectType)
        for name, field in owner.fields.items():
            read = fast_read(field)
            if name in {"name", "count", "size", "note"}:
                assert read is not None
                assert read.attribute == name


# The same parsed document (ParserCache) with other variable values: object plans are shared
# across executions, so each run must still follow its own values.
CACHED = strawberry.Schema(
    Query,
    types=[Item],
    execution_context_class=FastExecutionContext,
    extensions=[lambda: ParserCache(maxsize=8)],
)
VARYING = (
    "query($s: Size, $u: Boolean!, $c: Boolean!) { items { name"
    " label(size: $s, upper: $u) count @include(if: $c) ...F child { ...F } } }"
    " fragment F on Item { tags @skip(if: $c) { label } }"
)
RUNS: list[dict[str, Any]] = [
    {"s": "LARGE", "u": True, "c": True},
    {"s": "SMALL", "u": False, "c": False},
    {"s": None, "u": True, "c": False},
    {"s": "LARGE", "u": True, "c": True},
]


async def test_shared_plans_follow_each_executions_variables() -> None:
    for variables in RUNS * 2:
        fast = await CACHED.execute(VARYING, variable_values=variables)
        slow = await SLOW.execute(VARYING, variable_values=variables)
        assert fast.errors is None and slow.errors is None
        assert fast.data == slow.data, variables


@pytest.mark.parametrize(
    ("query", "field", "used"),
    [
        ("{ items { name } }", "items", set()),
        ("query($s: Size) { items { label(size: $s) } }", "items", {"s"}),
        ("query($c: Boolean!) { items { name @include(if: $c) } }", "items", {"c"}),
        (
            "query($c: Boolean!, $d: Boolean!) { items { ...F ... @skip(if: $d) { name } } }"
            " fragment F on Item { child { name @include(if: $c) } }",
            "items",
            {"c", "d"},
        ),
        # Only what is under the field counts: $a belongs to another root field.
        (
            "query($a: Size, $b: Size) { x: items { label(size: $a) } items { label(size: $b) } }",
            "items",
            {"b"},
        ),
    ],
)
def test_variables_used_under_a_selection(query: str, field: str, used: set[str]) -> None:
    document = parse(query)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    nodes = [
        s
        for s in operation.selection_set.selections
        if isinstance(s, FieldNode) and (s.alias or s.name).value == field
    ]
    assert used_variables(nodes, fragments) == used


def test_plans_find_the_functions_deriving_fields() -> None:
    assert compute_of(Box, "label") is not None and compute_of(OddBox, "size") is not None
    assert compute_of(Box, "raw") is None and compute_of(Item, "name") is None


async def test_resolvers_given_their_info_are_called_directly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    called: list[str] = []
    original = FastExecutionContext._call

    def spy(self: FastExecutionContext, call: Any, *args: Any) -> Any:
        called.append(call.definition.python_name)
        return original(self, call, *args)

    monkeypatch.setattr(FastExecutionContext, "_call", spy)
    result = await FAST.execute('{ found(name: "f") { name later } echo(ident: "x") }')
    assert not result.errors
    assert called == ["found", "echo", "later", "later"]
