"""The schema's extensions: query cost limits, caches, metrics, input hygiene."""

from __future__ import annotations

from collections.abc import Callable

from strawberry.extensions import MaxTokensLimiter, ParserCache, SchemaExtension

from schema.input_text import RefuseUnstorableText
from schema.instrumentation import OperationMetrics, OperationNames
from schema.limits.extension import QueryLimiter
from schema.validation_cache import ValidationCache
from storage.settings import Settings


def schema_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    # Depth, aliases, size and cost are checked by Snapfeed's own limiter (schema/limits/):
    # Strawberry's depth and alias limiters re-walk a fragment at every spread, exponential
    # in a chain of fragments. It adds no validation rules, so ValidationCache keeps hitting.
    limiter = QueryLimiter(settings)
    operation_names = OperationNames(settings.metrics_operations, settings.metrics_max_operations)
    # Order matters: the token limit must be in place before ParserCache parses, and the
    # query limits must refuse a document before ValidationCache hands it to graphql-core.
    return [
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: ParserCache(maxsize=256),
        limiter.extension,
        ValidationCache,
        lambda: OperationMetrics(operation_names),
        RefuseUnstorableText,
    ]
