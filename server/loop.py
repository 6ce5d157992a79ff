"""The event loop every entry point runs on: uvloop.

`asyncio.run` always makes a plain asyncio loop, whatever uvicorn's `loop` setting says, so
the loop is chosen here, by whoever creates it: `serve`, `dev`, `migrate` and `worker` alike
(uvicorn's own worker processes get it through `loop="uvloop"`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import uvloop

T = TypeVar("T")

UVICORN_LOOP = "uvloop"


def run(main: Coroutine[Any, Any, T]) -> T:
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


def use_for_new_loops() -> None:
    """For code that makes its loop itself (arq's `Worker.run`)."""
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
