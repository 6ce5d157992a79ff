"""The served schema keeps every name and shape of the public contract, and schema.graphql
(the exported SDL) never drifts from the code."""

from __future__ import annotations

from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    build_schema,
)

from schema.schema import build_schema as build_snapfeed_schema
from storage.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = Path(__file__).resolve().parent / "contract" / "API.graphql"


def _served_sdl() -> str:
    return build_snapfeed_schema(Settings()).as_str()


def test_every_contract_name_and_shape_is_served() -> None:
    contract = build_schema(CONTRACT.read_text())
    served = build_schema(_served_sdl())
    problems: list[str] = []
    for name, expected in contract.type_map.items():
        if name.startswith("__"):
            continue
        actual = served.type_map.get(name)
        if actual is None:
            problems.append(f"missing type {name}")
            continue
        if type(actual) is not type(expected):
            problems.append(f"{name} is a {type(actual).__name__}")
            continue
        if isinstance(expected, GraphQLEnumType):
            assert isinstance(actual, GraphQLEnumType)
            missing = set(expected.values) - set(actual.values)
            problems += [f"enum {name} lacks {v}" for v in sorted(missing)]
        if isinstance(expected, GraphQLObjectType | GraphQLInterfaceType):
            assert isinstance(actual, GraphQLObjectType | GraphQLInterfaceType)
            for iface in expected.interfaces:
                if iface.name not in {i.name for i in actual.interfaces}:
                    problems.append(f"{name} does not implement {iface.name}")
        if isinstance(expected, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            assert isinstance(
                actual, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType
            )
            for field_name, field in expected.fields.items():
                got = actual.fields.get(field_name)
                if got is None:
                    problems.append(f"missing field {name}.{field_name}")
                    continue
                if str(got.type) != str(field.type):
                    problems.append(f"{name}.{field_name}: {got.type} instead of {field.type}")
                for arg_name, arg in getattr(field, "args", {}).items():
                    got_arg = got.args.get(arg_name)
                    if got_arg is None:
                        problems.append(f"missing argument {name}.{field_name}({arg_name})")
                    elif str(got_arg.type) != str(arg.type):
                        problems.append(
                            f"{name}.{field_name}({arg_name}): {got_arg.type} not {arg.type}"
                        )
                    elif arg.default_value != got_arg.default_value:
                        problems.append(f"{name}.{field_name}({arg_name}) default differs")
    assert problems == []


def test_exported_sdl_matches_the_code() -> None:
    exported = (ROOT / "schema.graphql").read_text()
    assert exported == _served_sdl() + "\n", (
        "schema.graphql is stale: run `snapfeed export-schema` and commit it"
    )
