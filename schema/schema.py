"""The Snapfeed GraphQL schema."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from schema.errors import ErrorFormatter, log_unexpected
from schema.limits import limit_extensions
from schema.mutations.accounts import AccountMutations
from schema.mutations.graph import GraphMutations
from schema.queries.accounts import AccountQueries
from schema.queries.graph import GraphQueries
from schema.types.user import User
from storage.settings import Settings

Query = merge_types("Query", (AccountQueries, GraphQueries))
Mutation = merge_types("Mutation", (AccountMutations, GraphMutations))


class SnapfeedSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Client errors are answers, not incidents: only unexpected ones are logged.
        context: Any = execution_context.context if execution_context else None
        log_unexpected(errors, getattr(context, "request_id", "-"))


def build_schema(settings: Settings) -> strawberry.Schema:
    return SnapfeedSchema(
        query=Query,
        mutation=Mutation,
        types=[User],
        extensions=[*limit_extensions(settings), ErrorFormatter],
    )
