"""Every entry point's loop is uvloop (server/loop.py); the CLI test sees `dev` log it."""

from __future__ import annotations

import asyncio

import uvloop

from server import loop


async def _loop_type() -> type:
    return type(asyncio.get_running_loop())


def test_run_uses_uvloop() -> None:
    assert loop.run(_loop_type()) is uvloop.Loop
