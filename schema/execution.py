"""graphql-core's executor with a fast path for plain attribute fields.

A page is assembled before its fields are completed (schema/types/post.py): almost every
field below a connection is a plain attribute of an object already in hand. graphql-core
still builds a resolve-info object, calls Strawberry's resolver wrapper and checks for
awaitables for each of them, which is most of a page's CPU. Here a field Strawberry calls
"basic" (no resolver, no arguments, no extensions, so its value is `getattr(source, name)`),
or one whose synchronous resolver needs only its object and leaf arguments (`Media.url`),
is read and completed directly: leaves are serialised, objects recurse into their
sub-selection, lists item by item. Anything else, and any value the fast path does not
expect (a null in a non-null position, an abstract type, a value that does not serialise),
goes through graphql-core's own path, which then reports errors exactly as it always does.

A field whose resolver needs its info (a root field, a connection) is called directly too
(`schema/field_reads.FastCall`), given what Strawberry's wrapper would give it; its result,
awaited if need be, is completed as above, errors reported as graphql-core reports them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping
from typing import Any

from graphql import (
    ExecutionResult,
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfoHelpers,
)
from graphql.execution.executor import to_nodes
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema import object_plans
from schema.field_reads import FastCall, FastRead, fast_call, fast_read
from schema.plan_cache import PlanCache

# A completion the fast path declines; graphql-core's path then handles the field.
_DECLINED: Any = object()
_MISSING: Any = object()
# Strawberry's is_type_of is an isinstance check that never reads its info.
_NO_INFO: Any = None
# Plans outlive an execution: the same query's objects are planned once per process.
_SHARED_PLANS = PlanCache()


def _finished(*_args: Any, **_kwargs: Any) -> Any:
    raise RuntimeError("this execution has finished")


_FINISHED = GraphQLResolveInfoHelpers(gather=_finished, track=_finished)


class FastExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Strawberry always passes a manager; it wraps resolvers only for extensions that
        # implement `resolve` (none of Snapfeed's do, and the fast path would skip them).
        manager = self.middleware_manager
        self._no_middleware = manager is None or not manager.middlewares
        # (object type, field details list) -> its plan (None: complete it field by field),
        # found in the shared cache once per execution. The key objects are kept with the
        # plan, so their ids stay theirs while the execution lasts.
        self._plans: dict[tuple[int, int], tuple[Any, Any, object_plans.Plan | None]] = {}
        # Strawberry's wrapper also turns exceptions into results for schema-wide exception
        # handlers (Snapfeed has none) and graphql-core races resolvers against an abort
        # signal (Snapfeed gives none): with either, resolvers go through them.
        strawberry_schema = getattr(self.schema, "_strawberry_schema", None)
        converter = getattr(strawberry_schema, "schema_converter", None)
        self._info_class: Any = getattr(
            getattr(strawberry_schema, "config", None), "info_class", None
        )
        self._calls = (
            self._no_middleware
            and self.abort_signal is None
            and self._info_class is not None
            and converter is not None
            and not getattr(converter, "_exception_handler_specs", True)
        )

    def _collect(
        self, object_type: GraphQLObjectType, details_list: Any
    ) -> tuple[Mapping[str, Any], bool]:
        grouped, new_defer_usages, _ = self.collect_subfields(object_type, details_list)
        return grouped, bool(new_defer_usages)

    def _build(self, object_type: GraphQLObjectType, details_list: Any) -> object_plans.Plan | None:
        # Made when needed (a selection new to this process), not kept: a builder holding
        # this context's bound method would be one more reference cycle (see build_response).
        builder = object_plans.Builder(self._collect, self.variable_values, self.hide_suggestions)
        try:
            return builder.plan(object_type, details_list)
        except Exception:
            return None

    def build_response(self, data: dict[str, Any] | None) -> Any:
        response = super().build_response(data)
        if (
            isinstance(response, ExecutionResult)
            and not self.background_futures
            and not self.pending_incremental_futures
        ):
            # graphql-core's executor refers to itself through its async helpers (bound
            # methods): a reference cycle, so a request's whole object graph (context,
            # loaders, a page's rows) waited for the cycle collector, whose passes over
            # that garbage cost a feed page ~50 us. The response is built and nothing is
            # pending: no one asks this executor for them again (resolve infos keep theirs).
            self.async_helpers = _FINISHED
        return response

    def collect_and_execute_subfields(
        self,
        return_type: GraphQLObjectType,
        field_details_list: Any,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        """An object with a selection seen before in this execution runs its plan."""
        if self._no_middleware:
            key = (id(return_type), id(field_details_list))
            entry = self._plans.get(key)
            if entry is None:
                plan = _SHARED_PLANS.plan(
                    return_type,
                    field_details_list,
                    self.fragment_definitions,
                    self.variable_values.coerced,
                    lambda: self._build(return_type, field_details_list),
                )
                entry = self._plans[key] = (return_type, field_details_list, plan)
            plan = entry[2]
            if plan is not None:
                try:
                    completed = plan(result)
                except Exception:
                    completed = object_plans.DECLINED
                if completed is not object_plans.DECLINED:
                    return completed
        return super().collect_and_execute_subfields(
            return_type, field_details_list, path, result, position_context
        )

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any,
    ) -> Any:
        details = field_details_list[0]
        field = parent_type.fields.get(details.node.name.value)
        read = fast_read(field) if field is not None and self._no_middleware else None
        if read is not None:
            assert field is not None
            value = self._read(read, field, details, source)
            if value is not _MISSING:
                completed = self._fast(field.type, field_details_list, path, value)
                if completed is not _DECLINED:
                    return completed
        elif field is not None and self._calls:
            call = fast_call(field)
            if call is not None:
                return self._call(
                    call, field, parent_type, source, field_details_list, path, position_context
                )
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def _call(
        self,
        call: FastCall,
        field: GraphQLField,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any,
    ) -> Any:
        """As graphql-core's execute_field with Strawberry's wrapper, minus their layers."""
        return_type = field.type
        info = self.build_resolve_info(field, to_nodes(field_details_list), parent_type, path)
        try:
            kwargs = self._arguments(call.arguments, field, field_details_list[0])
            if call.info is not None:
                kwargs[call.info] = self._info_class(_raw_info=info, _field=call.definition)
            result = (
                call.function(source, **kwargs) if call.passes_source else call.function(**kwargs)
            )
            if self.is_awaitable(result):
                return self._resolved(
                    result, return_type, field_details_list, info, path, position_context
                )
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
        return self._finish(return_type, field_details_list, info, path, result, position_context)

    async def _resolved(
        self,
        result: Awaitable[Any],
        return_type: GraphQLOutputType,
        field_details_list: Any,
        info: Any,
        path: Path,
        position_context: Any,
    ) -> Any:
        try:
            value = await result
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
        completed = self._finish(
            return_type, field_details_list, info, path, value, position_context
        )
        return await completed if self.is_awaitable(completed) else completed

    def _finish(
        self,
        return_type: GraphQLOutputType,
        field_details_list: Any,
        info: Any,
        path: Path,
        value: Any,
        position_context: Any,
    ) -> Any:
        """A resolved value completed: the fast way, else graphql-core's."""
        completed = self._fast(return_type, field_details_list, path, value)
        if completed is not _DECLINED:
            return completed
        try:
            completed = self.complete_value(
                return_type, field_details_list, info, path, value, position_context
            )
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
        if self.is_awaitable(completed):
            return self._settle(completed, return_type, field_details_list, path)
        return completed

    def _read(self, read: FastRead, field: GraphQLField, details: Any, source: Any) -> Any:
        """The field's value, or _MISSING for graphql-core's path (which then reports any
        error, such as a bad argument, as it always does)."""
        if read.attribute is not None:
            return getattr(source, read.attribute, _MISSING)
        assert read.resolver is not None
        try:
            return read.resolver(source, **self._arguments(read.arguments, field, details))
        except Exception:
            return _MISSING

    def _arguments(
        self, arguments: tuple[tuple[str, str, Any], ...], field: GraphQLField, details: Any
    ) -> dict[str, Any]:
        """A resolver's leaf arguments by Python name, converted as Strawberry converts them."""
        if not (field.args or details.node.arguments):
            return {}
        raw = get_argument_values(
            field,
            details.node,
            self.variable_values,
            details.fragment_variable_values,
            self.hide_suggestions,
        )
        return {py: convert(raw[gql]) for gql, py, convert in arguments if gql in raw}

    def _fast(
        self, return_type: GraphQLOutputType, field_details_list: Any, path: Path, value: Any
    ) -> Any:
        try:
            completed = self._complete(return_type, field_details_list, path, value)
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
        if completed is _DECLINED or not self.is_awaitable(completed):
            return completed
        return self._settle(completed, return_type, field_details_list, path)

    async def _settle(
        self,
        completed: Awaitable[Any],
        return_type: GraphQLOutputType,
        field_details_list: Any,
        path: Path,
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None

    def _complete(
        self, return_type: GraphQLOutputType, field_details_list: Any, path: Path, value: Any
    ) -> Any:
        if isinstance(return_type, GraphQLNonNull):
            if value is None:
                return _DECLINED
            return_type = return_type.of_type
        if value is None:
            return None
        if isinstance(return_type, GraphQLLeafType):
            serialized = return_type.serialize(value)
            return _DECLINED if serialized is None or serialized is Undefined else serialized
        if isinstance(return_type, GraphQLObjectType):
            is_type_of = return_type.is_type_of
            if is_type_of is not None and not is_type_of(value, _NO_INFO):
                return _DECLINED
            return self.collect_and_execute_subfields(
                return_type, field_details_list, path, value, None
            )
        if isinstance(return_type, GraphQLList) and isinstance(value, list | tuple):
            return self._complete_list(return_type.of_type, field_details_list, path, value)
        return _DECLINED

    def _complete_list(
        self, item_type: GraphQLOutputType, field_details_list: Any, path: Path, items: Any
    ) -> Any:
        non_null = isinstance(item_type, GraphQLNonNull)
        named = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
        # Decide before any item runs: declining halfway would run the first items twice.
        if isinstance(named, GraphQLObjectType):
            is_type_of = named.is_type_of
            if is_type_of is not None and not all(
                item is None or is_type_of(item, _NO_INFO) for item in items
            ):
                return _DECLINED
        elif not isinstance(named, GraphQLLeafType):
            return _DECLINED
        if non_null and any(item is None for item in items):
            return _DECLINED
        completed: list[Any] = []
        pending: list[int] = []
        for index, item in enumerate(items):
            item_path = Path(path, index, None)
            try:
                one = self._complete_item(named, field_details_list, item_path, item)
            except Exception as raw_error:
                # A nullable item absorbs its error; a non-null one fails the whole list.
                self.handle_field_error(raw_error, item_type, field_details_list, item_path)
                one = None
            if self.is_awaitable(one):
                pending.append(index)
                one = self._settle(one, item_type, field_details_list, item_path)
            completed.append(one)
        if not pending:
            return completed

        async def gathered() -> list[Any]:
            results = await asyncio.gather(*(completed[i] for i in pending))
            for i, result in zip(pending, results, strict=True):
                completed[i] = result
            return completed

        return gathered()

    def _complete_item(
        self,
        named: GraphQLObjectType | GraphQLLeafType,
        field_details_list: Any,
        path: Path,
        item: Any,
    ) -> Any:
        if item is None:
            return None
        if isinstance(named, GraphQLObjectType):
            return self.collect_and_execute_subfields(named, field_details_list, path, item, None)
        serialized = named.serialize(item)
        if serialized is None or serialized is Undefined:
            raise TypeError(
                f"Expected `{named}.serialize({item!r})` to return non-nullish value,"
                f" returned: {serialized!r}"
            )
        return serialized
