"""The schema's extensions: query cost limits, caches, metrics, input hygiene."""

from __future__ import annotations

from collections.abc import Callable

from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from schema.input_text import RefuseNul
from schema.instrumentation import OperationMetrics, OperationNames
from storage.settings import Settings


def schema_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    # The limiters build their validation rule classes when constructed. Built once here and
    # shared, the rules stay the same objects, so ValidationCache (keyed on them) can hit;
    # built per request, every request would be validated from scratch.
    limit_rules = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    ]
    operation_names = OperationNames(settings.metrics_operations, settings.metrics_max_operations)
    # Order matters: the token limit must be in place before ParserCache parses.
    return [
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: AddValidationRules(limit_rules),
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        lambda: OperationMetrics(operation_names),
        RefuseNul,
    ]
