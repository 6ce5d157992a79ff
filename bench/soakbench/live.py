"""feedUpdates subscriptions (graphql-transport-ws) held all along, reconnecting when the
server drops them; what each received."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field

import websockets

from .client import Recorder, User
from .config import FEED_UPDATES
from .ledger import OK, TRANSPORT

PROTOCOL = "graphql-transport-ws"


@dataclass
class Subscriber:
    user: User
    received: set[str] = field(default_factory=set)  # post ids
    connects: int = 0
    drops: int = 0  # sockets that ended while the soak wanted them open
    subscribed: asyncio.Event = field(default_factory=asyncio.Event)


async def _session(ws_url: str, sub: Subscriber, recorder: Recorder) -> None:
    start = recorder.now()
    try:
        async with websockets.connect(
            ws_url,
            subprotocols=[PROTOCOL],  # type: ignore[list-item]
            open_timeout=10,
        ) as ws:
            init = {"authorization": f"Bearer {sub.user.token}"}
            await ws.send(json.dumps({"type": "connection_init", "payload": init}))
            ack = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if ack.get("type") != "connection_ack":
                recorder.record("subscribe", start, f"WS {ack.get('type')}")
                return
            payload = {"query": FEED_UPDATES, "variables": {}}
            await ws.send(json.dumps({"id": "s", "type": "subscribe", "payload": payload}))
            recorder.record("subscribe", start, OK)
            sub.connects += 1
            sub.subscribed.set()
            async for raw in ws:
                message = json.loads(raw)
                if message.get("type") == "next":
                    data = message["payload"].get("data") or {}
                    if data.get("feedUpdates"):
                        sub.received.add(data["feedUpdates"]["id"])
                elif message.get("type") == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                elif message.get("type") in ("error", "complete"):
                    break
    except (TimeoutError, OSError, websockets.WebSocketException):
        recorder.record("subscribe", start, TRANSPORT)
    finally:
        sub.subscribed.clear()


async def hold(ws_url: str, sub: Subscriber, recorder: Recorder) -> None:
    """Keep one subscription open until cancelled."""
    while True:
        await _session(ws_url, sub, recorder)
        sub.drops += 1
        await asyncio.sleep(0.5)


async def stop(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
