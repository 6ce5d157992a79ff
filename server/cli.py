"""The `snapfeed` command: dev (embedded stack), serve, worker, migrate."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import secrets
import signal
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import uvicorn

from server.app import create_app
from server.embedded import EmbeddedStack
from server.logs import configure
from storage import migrations
from storage.settings import Settings, SettingsError
from workers.settings import create_worker

logger = logging.getLogger("snapfeed.cli")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="snapfeed", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    dev = commands.add_parser("dev", help="run everything on an embedded stack (no set-up)")
    dev.add_argument("--host", default=None)
    dev.add_argument("--port", type=int, default=None)
    dev.add_argument("--data-dir", type=Path, default=None)

    serve = commands.add_parser("serve", help="run the API against configured services")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")

    worker = commands.add_parser("worker", help="run the background job worker")
    worker.add_argument("--burst", action="store_true", help="exit when the queue is empty")

    commands.add_parser("migrate", help="apply database migrations")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env(os.environ)
    except SettingsError as exc:
        print(f"snapfeed: {exc}", file=sys.stderr)
        return 2
    changes = {
        name: getattr(args, name)
        for name in ("host", "port", "data_dir")
        if getattr(args, name, None) is not None
    }
    settings = settings.replace(**changes)
    configure(settings.log_level)

    if args.command == "dev":
        return _dev(settings)
    needed = {"SNAPFEED_DATABASE_URL": settings.database_url}
    if args.command != "migrate":
        needed["SNAPFEED_REDIS_URL"] = settings.redis_url
    missing = [name for name, value in needed.items() if not value]
    if missing:
        print(
            f"snapfeed: set {' and '.join(missing)} (or use `snapfeed dev` for the embedded stack)",
            file=sys.stderr,
        )
        return 2
    if args.command == "migrate":
        asyncio.run(_migrate(settings))
        return 0
    if args.command == "serve":
        uvicorn.run(
            "server.asgi:app" if args.workers > 1 else create_app(settings),
            host=settings.host,
            port=settings.port,
            workers=args.workers,
            log_config=None,
            proxy_headers=True,
        )
        return 0
    create_worker(settings, burst=args.burst).run()
    return 0


async def _migrate(settings: Settings) -> None:
    assert settings.database_url
    applied = await migrations.apply(settings.database_url)
    logger.info("applied %d migration(s)", len(applied))


def _dev(settings: Settings) -> int:
    stack = EmbeddedStack(settings.data_dir)
    try:
        stack.start()
        settings = settings.replace(
            database_url=stack.database_url,
            redis_url=stack.redis_url,
            secret_key=settings.secret_key or _dev_secret(settings.data_dir),
        )
        asyncio.run(_run_dev(settings))
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()
        logger.info("embedded services stopped")
    return 0


def _dev_secret(data_dir: Path) -> str:
    """A signing key made once per data dir, so upload URLs survive a restart."""
    path = data_dir / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


class InProcessServer(uvicorn.Server):
    """uvicorn without its signal handlers: the caller decides when it stops (`should_exit`)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # `dev` owns SIGINT/SIGTERM so it can stop the worker and the embedded servers too.
        yield


async def _run_dev(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    await _migrate(settings)
    server = InProcessServer(
        uvicorn.Config(
            create_app(settings), host=settings.host, port=settings.port, log_config=None
        )
    )
    worker = create_worker(settings, handle_signals=False)
    tasks = {
        asyncio.create_task(server.serve(), name="api"),
        asyncio.create_task(worker.async_run(), name="worker"),
    }
    url = f"http://{settings.host}:{settings.port}/graphql"
    logger.info("Snapfeed is up. GraphiQL: %s", url)
    print(f"\n  GraphiQL: {url}\n  Data:     {settings.data_dir.resolve()}\n", flush=True)

    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({*tasks, stopping}, return_when=asyncio.FIRST_COMPLETED)
    logger.info("shutting down")
    server.should_exit = True
    await worker.close()
    stopping.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for task, result in zip(tasks, results, strict=True):
        if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
            logger.error("%s stopped with an error", task.get_name(), exc_info=result)


if __name__ == "__main__":
    raise SystemExit(main())
