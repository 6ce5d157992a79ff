"""Validation results are kept per document object: found again by identity, never for
another document (even one parsed from the same text), and bounded."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from graphql import parse, specified_rules

from schema import validation_cache
from schema.validation_cache import ValidatedDocuments


@strawberry.type
class Query:
    name: str = "x"


SCHEMA = strawberry.Schema(Query)._schema
RULES = tuple(specified_rules)


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    seen: list[Any] = []
    original = validation_cache.validate_document  # type: ignore[attr-defined]

    def counting(schema: Any, document: Any, rules: Any) -> Any:
        seen.append(document)
        return original(schema, document, rules)

    monkeypatch.setattr(validation_cache, "validate_document", counting)
    return seen


def test_a_document_is_validated_once(validations: list[Any]) -> None:
    cache = ValidatedDocuments()
    document = parse("{ name }")
    assert cache.errors(SCHEMA, document, RULES) == []
    assert cache.errors(SCHEMA, document, RULES) == []
    assert validations == [document]


def test_another_document_of_the_same_text_is_validated_again(validations: list[Any]) -> None:
    cache = ValidatedDocuments()
    first, second = parse("{ name }"), parse("{ name }")
    cache.errors(SCHEMA, first, RULES)
    cache.errors(SCHEMA, second, RULES)
    assert validations == [first, second]


def test_errors_are_kept_too(validations: list[Any]) -> None:
    cache = ValidatedDocuments()
    document = parse("{ missing }")
    errors = cache.errors(SCHEMA, document, RULES)
    assert [e.message for e in errors] == ["Cannot query field 'missing' on type 'Query'."]
    assert cache.errors(SCHEMA, document, RULES) is errors
    assert len(validations) == 1


def test_other_rules_are_another_entry(validations: list[Any]) -> None:
    cache = ValidatedDocuments()
    document = parse("{ missing }")
    assert cache.errors(SCHEMA, document, ()) == []  # no rules: nothing to refuse
    assert cache.errors(SCHEMA, document, RULES) != []


def test_the_oldest_entry_goes_first(validations: list[Any]) -> None:
    cache = ValidatedDocuments(maxsize=2)
    a, b, c = parse("{ name }"), parse("{ n: name }"), parse("{ m: name }")
    for document in (a, b, a, c):  # a used again: b is the oldest when c arrives
        cache.errors(SCHEMA, document, RULES)
    cache.errors(SCHEMA, a, RULES)
    cache.errors(SCHEMA, b, RULES)
    assert validations == [a, b, c, b]
