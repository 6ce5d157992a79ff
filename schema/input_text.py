"""Text input PostgreSQL (and Redis) can store, checked before execution.

GraphQL strings may carry U+0000 (as a `\\u0000` escape or in variables), and JSON variables
may carry unpaired UTF-16 surrogates (`"\\ud800"`) that no UTF-8 encoder accepts. Without
this check such input would fail deep in SQL as an internal error. graphql-core's lexer
already refuses surrogates in literals; variables and names are checked here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, StringValueNode, visit
from graphql.language import Visitor
from strawberry.extensions import SchemaExtension

MESSAGE = "Text cannot contain NUL characters"
SURROGATE_MESSAGE = "Text must be valid Unicode: unpaired surrogates are not allowed"


def text_problem(value: Any) -> str | None:
    """Why some string in `value` cannot be stored, or None. Iterative: nesting is unbounded."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return MESSAGE
            if not item.isascii() and not _encodable(item):
                return SURROGATE_MESSAGE
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return None


def has_nul(value: Any) -> bool:
    return text_problem(value) == MESSAGE


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class _NulFinder(Visitor):
    found = False

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        if "\x00" in node.value:
            self.found = True


class RefuseUnstorableText(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        problem = text_problem([context.variables or {}, context.operation_name, context.query])
        if problem is not None:
            raise GraphQLError(problem)
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
