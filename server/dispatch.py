"""`serve --workers N`: one process accepts, N workers serve, connections handed out in turn.

uvicorn's own supervisor lets every worker accept from one shared socket. A burst of new
connections (a proxy's pool of upstream connections, a load generator) wakes whichever
worker runs first, and it accepts all it finds: in the read benchmark 16 connections landed
16 and 0 in one start of two, and the one busy worker (a core's worth of Python) answered
P95 38 ms at 500 feed pages/s, where an even split answers in under 25 ms. Here the
supervisor accepts and hands each connection to the next worker in turn over a Unix socket
(SCM_RIGHTS), as Node's cluster module does on Linux, and the worker serves it with
uvicorn's own protocol, as if it had accepted it. With keep-alive the hand-off costs once
per connection, not per request.

A worker that dies is replaced, at once after a long life and with a growing pause when
workers keep dying soon after they start (the database unreachable at boot, a bad setting):
each replacement is a new interpreter importing the app, and restarting one every half
second would spend a core on that while the cause lasts. SIGTERM or SIGINT stops accepting
and lets every worker finish its requests (uvicorn's graceful shutdown) before the
supervisor exits.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import signal
import socket
import time
from multiprocessing.process import BaseProcess
from typing import Any

import uvicorn

from server import loop as event_loop

logger = logging.getLogger("snapfeed.dispatch")

# Seconds between looks at the workers, and given to them to stop on shutdown.
WATCH_SECONDS = 0.5
STOP_SECONDS = 60.0
# A worker that dies sooner than this after it was started failed young: the next one waits
# `restart_delay` of the failures in a row; one that lived longer is replaced at once.
YOUNG_SECONDS = 30.0
MAX_RESTART_DELAY = 30.0


def restart_delay(young_failures: int) -> float:
    """Seconds before a dead worker is replaced, after this many in a row died young."""
    if young_failures <= 0:
        return 0.0
    return min(MAX_RESTART_DELAY, WATCH_SECONDS * 2.0 ** min(young_failures - 1, 16))


class HandedServer(uvicorn.Server):
    """A worker's uvicorn, serving the connections its supervisor hands it on `channel`."""

    def __init__(self, config: uvicorn.Config, channel: socket.socket) -> None:
        super().__init__(config)
        self.channel = channel
        # Connections being set up: the loop keeps only weak references to its tasks.
        self._arriving: set[asyncio.Task[Any]] = set()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await self.lifespan.startup()
        if self.lifespan.should_exit:
            raise SystemExit(3)  # uvicorn's STARTUP_FAILURE
        config, loop = self.config, asyncio.get_running_loop()

        def create_protocol() -> asyncio.Protocol:
            protocol: asyncio.Protocol = config.http_protocol_class(  # type: ignore[call-arg]
                config=config,
                server_state=self.server_state,
                app_state=self.lifespan.state,
                _loop=loop,
            )
            return protocol

        self.servers = []
        self.channel.setblocking(False)
        loop.add_reader(self.channel.fileno(), self._take, loop, create_protocol)
        self.started = True

    def _take(self, loop: asyncio.AbstractEventLoop, create_protocol: Any) -> None:
        """Every connection waiting on the channel, served as uvicorn serves an accepted one."""
        while True:
            try:
                message, fds, _flags, _address = socket.recv_fds(self.channel, 1, 1)
            except BlockingIOError:
                return
            except OSError:
                message, fds = b"", []
            if not message and not fds:  # the supervisor is gone: so is this worker
                loop.remove_reader(self.channel.fileno())
                self.should_exit = True
                return
            for fd in fds:
                connection = socket.socket(fileno=fd)
                task = loop.create_task(loop.connect_accepted_socket(create_protocol, connection))
                self._arriving.add(task)
                task.add_done_callback(functools.partial(self._arrived, connection))

    def _arrived(self, connection: socket.socket, task: asyncio.Task[Any]) -> None:
        self._arriving.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # Reset by its client before it was served: nothing to answer.
            logger.debug("a handed connection could not be served: %r", task.exception())
            connection.close()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        asyncio.get_running_loop().remove_reader(self.channel.fileno())
        await super().shutdown(sockets)


def _work(config: uvicorn.Config, channel: socket.socket) -> None:
    """A worker process's life (spawned: it imports the app afresh, as uvicorn's do)."""
    config.configure_logging()
    HandedServer(config, channel).run()


class _Slot:
    """One worker process and the supervisor's end of its channel."""

    def __init__(self, config: uvicorn.Config, young_failures: int = 0) -> None:
        # Workers of this slot that died young in a row (this one counts once it does), and
        # when this one, dead, is to be replaced.
        self.young_failures = young_failures
        self.restart_at: float | None = None
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        context = multiprocessing.get_context("spawn")
        self.process: BaseProcess = context.Process(
            target=_work, args=(config, theirs), name="snapfeed-api"
        )
        self.process.start()
        self.started = time.monotonic()
        theirs.close()
        ours.setblocking(False)
        self.channel = ours

    def hand(self, connection: socket.socket) -> bool:
        try:
            socket.send_fds(self.channel, [b"c"], [connection.fileno()])
        except OSError:  # gone, or too far behind to take one more: the next worker takes it
            return False
        return True

    def close(self) -> None:
        self.channel.close()


class Dispatcher:
    def __init__(self, config: uvicorn.Config, workers: int) -> None:
        self.config = config
        self.slots = [_Slot(config) for _ in range(workers)]
        self.turn = 0

    def hand(self, connection: socket.socket) -> None:
        for _ in range(len(self.slots)):
            slot = self.slots[self.turn % len(self.slots)]
            self.turn += 1
            if slot.process.is_alive() and slot.hand(connection):
                return
        logger.warning("no worker could take a connection: closed")

    def replace_dead(self) -> None:
        now = time.monotonic()
        for i, slot in enumerate(self.slots):
            if slot.process.is_alive():
                continue
            if slot.restart_at is None:
                lived = now - slot.started
                slot.young_failures = slot.young_failures + 1 if lived < YOUNG_SECONDS else 0
                delay = restart_delay(slot.young_failures)
                logger.warning(
                    "API worker %s exited (code %s) after %.1f s: starting another in %.1f s",
                    slot.process.pid,
                    slot.process.exitcode,
                    lived,
                    delay,
                )
                slot.restart_at = now + delay
            if now >= slot.restart_at:
                slot.close()
                self.slots[i] = _Slot(self.config, slot.young_failures)

    def stop(self) -> None:
        """SIGTERM to every worker (uvicorn's graceful shutdown), then wait for them."""
        for slot in self.slots:
            if slot.process.is_alive():
                slot.process.terminate()
        for slot in self.slots:
            slot.process.join(STOP_SECONDS)
            if slot.process.is_alive():
                logger.error("API worker %s did not stop: killed", slot.process.pid)
                slot.process.kill()
                slot.process.join()
            slot.close()


async def _run(listener: socket.socket, dispatcher: Dispatcher) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    async def accept() -> None:
        while True:
            connection, _ = await loop.sock_accept(listener)
            with connection:  # the worker holds its own copy once handed
                dispatcher.hand(connection)

    async def watch() -> None:
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            dispatcher.replace_dead()

    tasks = [asyncio.create_task(accept()), asyncio.create_task(watch())]
    await stop.wait()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def serve(config: uvicorn.Config, workers: int) -> None:
    """Accept on the configured host and port and hand connections to `workers` workers
    until SIGTERM or SIGINT, then stop them gracefully."""
    listener = config.bind_socket()
    listener.listen(config.backlog)
    listener.setblocking(False)
    dispatcher = Dispatcher(config, workers)
    logger.info("%d API workers: %s", workers, [s.process.pid for s in dispatcher.slots])
    try:
        event_loop.run(_run(listener, dispatcher))
    finally:
        listener.close()
        dispatcher.stop()
