"""Request metrics: latency per operation name, errors per code."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Iterator

from strawberry.extensions import SchemaExtension

from schema.errors import classify
from storage.metrics import ERRORS, REQUEST_SECONDS

_GRAPHQL_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
ANONYMOUS = "anonymous"
OTHER = "other"


class OperationNames:
    """Label values for operation names, bounded whatever clients send: the names the
    operator lists, then the first `capacity` other names this process sees, then `other`.
    (Each label value is a set of Prometheus series kept for the process's lifetime.)"""

    def __init__(self, known: Iterable[str], capacity: int) -> None:
        self._known = frozenset(known)
        self._capacity = capacity
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def label(self, name: str | None) -> str:
        if not name:
            return ANONYMOUS
        if name in self._known or name in self._seen:
            return name
        if not _GRAPHQL_NAME.fullmatch(name):
            return OTHER
        with self._lock:
            if len(self._seen) >= self._capacity:
                return OTHER
            self._seen.add(name)
        return name


class OperationMetrics(SchemaExtension):
    """Latency per operation name and errors per code."""

    def __init__(self, names: OperationNames) -> None:
        self.names = names

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        label = self.names.label(self.execution_context.operation_name)
        REQUEST_SECONDS.labels(operation=label).observe(time.perf_counter() - started)
        for error in getattr(self.execution_context.result, "errors", None) or []:
            ERRORS.labels(code=classify(error)[0].value).inc()
