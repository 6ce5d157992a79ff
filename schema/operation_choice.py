"""Which operation of a document runs: the named one, or the only one.

Strawberry falls back to a document's first operation when no `operationName` is given, so
a document with several operations would run its first. graphql-core refuses that case
("Must provide operation name ..."), and so does Snapfeed: without a name, an ambiguous
document has no operation name here and graphql-core answers the error (BAD_USER_INPUT).
"""

from __future__ import annotations

from graphql import OperationDefinitionNode
from strawberry.types import ExecutionContext


class SingleOperationContext(ExecutionContext):
    @property
    def operation_name(self) -> str | None:
        if self._provided_operation_name is not None:
            return self._provided_operation_name
        document = self.graphql_document
        if document is not None:
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            if len(operations) > 1:
                return None
        return super().operation_name
