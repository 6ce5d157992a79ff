"""Validation results kept per parsed document.

Strawberry's ValidationCache keys an LRU cache on the document itself, and graphql-core's
nodes are frozen dataclasses: every lookup hashes the whole tree, node by node and location
by location, a cost that grows with the query (about 80 hashes for a feed page's). The
parser cache hands out the same document object for the same text, so this cache finds
it by identity; the entry keeps its document alive, so the id stays its own.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSchema
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

DOCUMENTS = 256

_Key = tuple[int, int, tuple[Any, ...]]
_Entry = tuple[GraphQLSchema, DocumentNode, list[GraphQLError]]


class ValidatedDocuments:
    def __init__(self, maxsize: int = DOCUMENTS) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[_Key, _Entry] = OrderedDict()

    def errors(
        self, schema: GraphQLSchema, document: DocumentNode, rules: tuple[Any, ...]
    ) -> list[GraphQLError]:
        key = (id(schema), id(document), rules)
        entry = self._entries.get(key)
        if entry is not None and entry[0] is schema and entry[1] is document:
            self._entries.move_to_end(key)
            return entry[2]
        errors = validate_document(schema, document, rules)
        self._entries[key] = (schema, document, errors)
        if len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)
        return errors


_VALIDATED = ValidatedDocuments()


class ValidationCache(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        context.pre_execution_errors = _VALIDATED.errors(
            context.schema._schema, context.graphql_document, tuple(context.validation_rules)
        )
        yield
