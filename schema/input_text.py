"""Text input PostgreSQL can store: NUL characters are refused before execution.

GraphQL strings may carry U+0000 (as a `\\u0000` escape or in variables); PostgreSQL text
cannot, so without this check such input would fail deep in SQL as an internal error.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, StringValueNode, visit
from graphql.language import Visitor
from strawberry.extensions import SchemaExtension

MESSAGE = "Text cannot contain NUL characters"


def has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(v) for v in value)
    return False


class _NulFinder(Visitor):
    found = False

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        if "\x00" in node.value:
            self.found = True


class RefuseNul(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        if has_nul(self.execution_context.variables or {}):
            raise GraphQLError(MESSAGE)
        yield

    def on_validate(self) -> Iterator[None]:
        document = self.execution_context.graphql_document
        query = self.execution_context.query or ""
        # A NUL can only be spelled as an escape (or sent raw): skip the walk when neither is.
        if document is not None and any(s in query for s in ("\\u0000", "\\u{", "\x00")):
            finder = _NulFinder()
            visit(document, finder)
            if finder.found:
                raise GraphQLError(MESSAGE)
        yield
