"""Refuses a too complex operation before graphql-core validates or executes it.

Runs in the validation step ahead of ValidationCache, so graphql-core's rules (one of them
quadratic) only ever see documents whose expanded size is bounded; the validation rules
themselves stay the same objects, so ValidationCache keeps hitting.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from graphql import DocumentNode, GraphQLError, GraphQLSchema
from strawberry.extensions import SchemaExtension

from resolvers.errors import AppError, ErrorCode
from schema.limits.cost import CostModel, operation_cost, select_operation
from schema.limits.overlap import repeated_field_pairs
from schema.limits.shape import DocumentShape, analyse
from storage.settings import Settings

# Pairs of fields under one response path (see overlap.py). Queries written by hand or by
# Relay repeat `id` and a few fields across fragments: tens of pairs. 2 000 pairs keep
# graphql-core's overlap check under about 50 ms even for the slowest kind of pair.
MAX_REPEATED_FIELD_PAIRS = 2_000

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Lru(Generic[K, V]):
    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K, make: Callable[[], V]) -> V:
        if key in self.items:
            self.items.move_to_end(key)
            return self.items[key]
        value = self.items[key] = make()
        if len(self.items) > self.size:
            self.items.popitem(last=False)
        return value


@dataclass(frozen=True)
class _Static:
    shape: DocumentShape
    repeated_pairs: int | None  # None: not counted, the document is too large anyway


class QueryLimiter:
    """Built once per schema: the settings it falls back to and caches shared by requests."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._static: _Lru[tuple[str, int], _Static] = _Lru(256)
        self._costs: _Lru[Hashable, int] = _Lru(1024)
        self._model: CostModel | None = None

    def extension(self) -> QueryLimits:
        return QueryLimits(self)

    def static(self, query: str | None, document: DocumentNode, max_selections: int) -> _Static:
        def make() -> _Static:
            shape = analyse(document)
            pairs = None
            if shape.selections <= max_selections:
                pairs = repeated_field_pairs(document, budget=max_selections)
            return _Static(shape, pairs)

        return make() if query is None else self._static.get((query, max_selections), make)

    def cost(
        self,
        schema: GraphQLSchema,
        query: str | None,
        document: DocumentNode,
        static: _Static,
        operation_name: str | None,
        variables: Mapping[str, Any],
        max_page_size: int,
    ) -> int | None:
        operation = select_operation(document, operation_name)
        if operation is None:
            return None  # graphql-core will say which operation is missing
        if self._model is None or self._model.schema is not schema:
            self._model = CostModel.of(schema)
        model = self._model

        def make() -> int:
            return operation_cost(model, document, operation, variables, max_page_size)

        # The cost depends on the document, the operation and the variables given to `first`.
        used = tuple(variables.get(name) for name in sorted(static.shape.first_variables))
        if query is None or not all(v is None or type(v) is int for v in used):
            return make()
        return self._costs.get((query, operation_name, max_page_size, used), make)


class QueryLimits(SchemaExtension):
    def __init__(self, limiter: QueryLimiter) -> None:
        self.limiter = limiter
        self.cost: dict[str, int] | None = None

    def on_validate(self) -> Iterator[None]:
        document = self.execution_context.graphql_document
        if document is not None:
            self._check(document)
        yield

    def get_results(self) -> dict[str, Any]:
        # Over a WebSocket the cost stays out of every `next` message; a refusal names it.
        context = self.execution_context.context
        if self.cost is None or getattr(context, "close_socket", None) is not None:
            return {}
        return {"cost": self.cost}

    def _settings(self) -> Settings:
        # Resolvers read deps.settings at call time; the limits do too (tests tune them).
        deps = getattr(self.execution_context.context, "deps", None)
        settings = getattr(deps, "settings", None)
        return settings if isinstance(settings, Settings) else self.limiter.settings

    def _check(self, document: DocumentNode) -> None:
        context = self.execution_context
        settings = self._settings()
        static = self.limiter.static(context.query, document, settings.max_selections)
        cost = self.limiter.cost(
            context.schema._schema,
            context.query,
            document,
            static,
            context.operation_name,
            context.variables or {},
            settings.max_page_size,
        )
        if cost is not None:
            self.cost = {"requested": cost, "limit": settings.max_query_cost}
        shape = static.shape
        for name, operation in shape.operations:
            if operation.depth > settings.max_query_depth:
                # Strawberry's QueryDepthLimiter wording, kept for clients that match on it
                raise _too_complex(
                    f"'{name}' exceeds maximum operation depth of {settings.max_query_depth}"
                )
        if shape.aliases > settings.max_aliases:
            raise _too_complex(f"{shape.aliases} aliases found. Allowed: {settings.max_aliases}")
        if shape.selections > settings.max_selections:
            raise _too_complex(
                f"{shape.selections} fields and fragments once fragments are expanded."
                f" Allowed: {settings.max_selections}"
            )
        if static.repeated_pairs is None or static.repeated_pairs > MAX_REPEATED_FIELD_PAIRS:
            raise _too_complex(
                "Too many fields repeated under the same name; select each field once per object"
            )
        if cost is not None and cost > settings.max_query_cost:
            raise _too_complex(
                f"Query cost {cost} exceeds the limit of {settings.max_query_cost}"
                " (each connection multiplies the cost of its selection by `first`)"
            )


def _too_complex(message: str) -> GraphQLError:
    return GraphQLError(message, original_error=AppError(ErrorCode.QUERY_TOO_COMPLEX, message))
