"""Request metrics: latency per operation name, errors per code."""

from __future__ import annotations

import time
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from schema.errors import classify
from storage.metrics import ERRORS, REQUEST_SECONDS


class OperationMetrics(SchemaExtension):
    """Latency per operation name and errors per code."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        name = self.execution_context.operation_name or "anonymous"
        REQUEST_SECONDS.labels(operation=name[:64]).observe(time.perf_counter() - started)
        for error in getattr(self.execution_context.result, "errors", None) or []:
            ERRORS.labels(code=classify(error)[0].value).inc()
