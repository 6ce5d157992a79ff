"""`KnownValuesLoader.know` answers as `prime_many` would, without a future per key."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from dataloaders.known import KnownValuesLoader


class Doubling(KnownValuesLoader[int, int]):
    def __init__(self) -> None:
        self.batches: list[list[int]] = []

        async def load(keys: Sequence[int]) -> list[int]:
            self.batches.append(list(keys))
            return [2 * k for k in keys]

        super().__init__(load_fn=load)


async def test_a_known_value_is_answered_without_a_batch() -> None:
    loader = Doubling()
    loader.know({1: 100, 2: 200, 5: 500})
    assert await loader.load(1) == 100
    assert await loader.load_many([2, 3]) == [200, 6]
    assert loader.batches == [[3]]
    # A known key never asked for costs no future.
    assert loader.cache_map.get(1) is not None and loader.cache_map.get(5) is None


async def test_cleared_keys_are_loaded_again() -> None:
    loader = Doubling()
    loader.know({1: 100, 2: 200, 3: 300})
    loader.clear(1)
    loader.clear_many([2])
    assert await loader.load_many([1, 2, 3]) == [2, 4, 300]
    loader.know({4: 400})
    loader.clear_all()
    assert await loader.load(4) == 8
    assert loader.batches == [[1, 2], [4]]


async def test_what_is_cached_or_known_first_stays() -> None:
    loader = Doubling()
    assert await loader.load(1) == 2
    loader.know({1: 100, 2: 200})
    loader.know({2: 999})
    assert await loader.load_many([1, 2]) == [2, 200]


async def test_a_pending_batch_gets_known_values() -> None:
    loader = Doubling()
    pending = asyncio.ensure_future(loader.load_many([1, 2]))
    await asyncio.sleep(0)  # the batch exists, not dispatched yet
    loader.know({1: 100})
    assert await pending == [100, 4]
    assert loader.batches == [[2]]
