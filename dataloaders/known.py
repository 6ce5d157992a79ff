"""DataLoaders that can be told values a request may ask them for."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Hashable, Iterable, Mapping
from typing import Any, Generic, TypeVar

from strawberry.dataloader import DataLoader

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_MISSING: Any = object()


class KnownValuesLoader(DataLoader[K, V], Generic[K, V]):
    """`know` is `prime_many` made lazy. A page of posts tells the loaders every card and
    author relation it read, in case a nested field looks one up again; priming makes a
    resolved future per key at once, and most are never asked for. A known value becomes
    one when loaded."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._known: dict[K, V] = {}

    def know(self, values: Mapping[K, V]) -> None:
        """As `prime_many(values)`: values already cached stay as they are."""
        if self.batch is not None and not self.batch.dispatched:
            self.prime_many(values)  # a pending batch may be waiting for some of them
            return
        known = self._known
        for key, value in values.items():
            known.setdefault(key, value)

    def load(self, key: K) -> Awaitable[V]:
        if self._known:
            value = self._known.pop(key, _MISSING)
            if value is not _MISSING:
                self.prime(key, value)
        return super().load(key)

    def clear(self, key: K) -> None:
        # Primed, a known key would be cached: clearing it is no KeyError.
        if self._known.pop(key, _MISSING) is not _MISSING:
            with contextlib.suppress(KeyError):
                super().clear(key)
            return
        super().clear(key)

    def clear_many(self, keys: Iterable[K]) -> None:
        for key in keys:
            self.clear(key)

    def clear_all(self) -> None:
        self._known.clear()
        super().clear_all()
