"""The schema's extensions: query cost limits, caches, metrics, input hygiene."""

from __future__ import annotations

from collections.abc import Callable

from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from schema.input_text import RefuseNul
from schema.instrumentation import OperationMetrics
from storage.settings import Settings


def schema_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    # Order matters: the token limit must be in place before ParserCache parses.
    return [
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
        lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        OperationMetrics,
        RefuseNul,
    ]
