"""A Valkey connection cut at a chosen command: a unix-socket proxy in front of the embedded
node. Cut before the command reaches the node, or after the node ran it (its reply lost): the
two moments a client cannot tell apart, as when Valkey restarts under it."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path


class CuttingProxy:
    def __init__(self, target: str, path: Path) -> None:
        self._target = target
        self.path = path
        self.url = f"unix://{path}"
        self._command: bytes | None = None
        self._applied = False
        self.cuts = 0
        self._server: asyncio.AbstractServer | None = None
        self._pumps: set[asyncio.Task[None]] = set()

    def cut_at(self, command: bytes, *, applied: bool) -> None:
        """Cut the next connection that sends `command` (once): before forwarding it, or
        once the node has answered it (`applied`), dropping the answer."""
        self._command = b"\r\n" + command.upper() + b"\r\n"
        self._applied = applied

    async def __aenter__(self) -> CuttingProxy:
        self._server = await asyncio.start_unix_server(self._serve, path=str(self.path))
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for pump in list(self._pumps):
            pump.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, client_in: asyncio.StreamReader, client: asyncio.StreamWriter) -> None:
        node_in, node = await asyncio.open_unix_connection(self._target)
        muted = asyncio.Event()  # the node's next answer is dropped, and the client cut

        async def upstream() -> None:
            while data := await client_in.read(65536):
                if self._command is not None and self._command in data.upper():
                    self._command = None
                    self.cuts += 1
                    if not self._applied:
                        break
                    muted.set()
                    node.write(data)
                    await node.drain()
                    return
                node.write(data)
                await node.drain()

        async def downstream() -> None:
            while data := await node_in.read(65536):
                if muted.is_set():
                    return
                client.write(data)
                await client.drain()

        pumps = [asyncio.create_task(upstream()), asyncio.create_task(downstream())]
        self._pumps.update(pumps)
        try:
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
            if muted.is_set():
                await pumps[1]  # the node answered the cut command: it ran
        finally:
            for pump in pumps:
                pump.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            self._pumps.difference_update(pumps)
            for writer in (client, node):
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()


@contextlib.asynccontextmanager
async def cutting_proxy(redis_url: str) -> AsyncIterator[CuttingProxy]:
    assert redis_url.startswith("unix://"), redis_url
    # A short path: a unix socket's is limited to 107 bytes, a test's tmp_path is long.
    directory = Path(tempfile.mkdtemp(prefix="cut-"))
    try:
        async with CuttingProxy(redis_url.removeprefix("unix://"), directory / "s") as proxy:
            yield proxy
    finally:
        shutil.rmtree(directory, ignore_errors=True)
