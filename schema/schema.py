"""The Snapfeed GraphQL schema."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable
from contextlib import aclosing
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from schema.context import Context
from schema.errors import format_result, log_unexpected
from schema.execution import FastExecutionContext
from schema.extensions import schema_extensions
from schema.mutations.accounts import AccountMutations
from schema.mutations.activity import ActivityMutations
from schema.mutations.engagement import EngagementMutations
from schema.mutations.graph import GraphMutations
from schema.mutations.moderation import ModerationMutations
from schema.mutations.posts import PostMutations
from schema.mutations.safety import SafetyMutations
from schema.mutations.stories import StoryMutations
from schema.operation_choice import SingleOperationContext
from schema.queries.accounts import AccountQueries
from schema.queries.activity import ActivityQueries
from schema.queries.discovery import DiscoveryQueries
from schema.queries.feed import FeedQueries
from schema.queries.graph import GraphQueries
from schema.queries.moderation import ModerationQueries
from schema.queries.places import PlaceQueries
from schema.queries.posts import PostQueries
from schema.queries.safety import SafetyQueries
from schema.queries.stories import StoryQueries
from schema.subscriptions import Subscription
from schema.types.comment import Comment
from schema.types.media import Media
from schema.types.notification import Notification
from schema.types.post import Post
from schema.types.report import Report
from schema.types.story import Story
from schema.types.user import User
from storage.settings import Settings

Query = merge_types(
    "Query",
    (
        AccountQueries,
        FeedQueries,
        GraphQueries,
        PostQueries,
        StoryQueries,
        DiscoveryQueries,
        PlaceQueries,
        SafetyQueries,
        ModerationQueries,
        ActivityQueries,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        AccountMutations,
        GraphMutations,
        PostMutations,
        EngagementMutations,
        StoryMutations,
        SafetyMutations,
        ModerationMutations,
        ActivityMutations,
    ),
)


class SnapfeedSchema(strawberry.Schema):
    """Formats every error at the edge, whatever stage raised it and whichever transport."""

    def _create_execution_context(
        self,
        query: str | None,
        allowed_operation_types: Iterable[OperationType],
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionContext:
        # Strawberry's own, but an unnamed operation is only chosen when it is the only one.
        return SingleOperationContext(
            query=query,
            schema=self,
            allowed_operations=allowed_operation_types,
            context=context_value,
            root_value=root_value,
            variables=variable_values,
            provided_operation_name=operation_name,
            operation_extensions=operation_extensions,
        )

    async def execute(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        result = await super().execute(*args, **kwargs)
        format_result(result, _request_id(kwargs.get("context_value")))
        return result

    async def stream(self, *args: Any, **kwargs: Any) -> Any:
        context = kwargs.get("context_value")
        if isinstance(context, Context):
            context.renew_loaders()
        source = await super().stream(*args, **kwargs)
        request_id = _request_id(kwargs.get("context_value"))

        async def formatted() -> AsyncGenerator[Any, None]:
            async with aclosing(source):
                async for result in source:
                    format_result(result, request_id)
                    yield result

        return formatted()

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Client errors are answers, not incidents: only unexpected ones are logged.
        log_unexpected(
            errors, _request_id(execution_context.context if execution_context else None)
        )


def _request_id(context: Any) -> str:
    return str(getattr(context, "request_id", "-"))


def build_schema(settings: Settings) -> strawberry.Schema:
    return SnapfeedSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[User, Post, Media, Story, Comment, Report, Notification],
        extensions=schema_extensions(settings),
        execution_context_class=FastExecutionContext,
    )
