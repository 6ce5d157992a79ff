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

import asyncpg
import uvicorn
from arq.worker import Worker
from prometheus_client import start_http_server

from schema.schema import build_schema
from server import dispatch, documents_cli, storage_cli
from server import loop as event_loop
from server.app import create_app
from server.console import banner
from server.embedded import EmbeddedStack
from server.embedded_cassandra import CassandraUnavailable, EmbeddedCassandra
from server.logs import configure, format_for
from server.seed import DEMO_PASSWORD, DEMO_USERNAME, seed
from server.users_cli import ACTIONS as USER_ACTIONS
from server.users_cli import set_moderator
from storage import migrations
from storage.settings import Settings, SettingsError
from storage.unavailable import UNAVAILABLE
from storage.users import by_usernames
from workers.settings import create_worker

logger = logging.getLogger("snapfeed.cli")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="snapfeed", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    dev = commands.add_parser("dev", help="run everything on an embedded stack (no set-up)")
    dev.add_argument("--host", default=None)
    dev.add_argument("--port", type=int, default=None)
    dev.add_argument("--data-dir", type=Path, default=None)
    dev.add_argument(
        "--feed-store",
        choices=["postgres", "cassandra"],
        default=None,
        help="where feeds are kept; cassandra starts an embedded node (needs java and mvn)"
        " unless SNAPFEED_CASSANDRA_HOSTS names one",
    )
    dev.add_argument(
        "--no-seed", action="store_true", help="do not fill a new data dir with demo data"
    )
    dev.add_argument(
        "--verbose", action="store_true", help="log every request, job and seeding call"
    )

    serve = commands.add_parser("serve", help="run the API against configured services")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")

    worker = commands.add_parser("worker", help="run the background job worker")
    worker.add_argument("--burst", action="store_true", help="exit when the queue is empty")

    commands.add_parser("migrate", help="apply database migrations")

    users = commands.add_parser("users", help="manage accounts (moderators)")
    users.add_argument("users_command", choices=sorted(USER_ACTIONS))
    users.add_argument("username")

    docs = commands.add_parser("documents", help="trusted documents (SNAPFEED_TRUSTED_DOCUMENTS)")
    docs_commands = docs.add_subparsers(dest="documents_command", required=True)
    docs_add = docs_commands.add_parser(
        "add", help="register operations: .graphql files, Apollo manifests, Relay query maps"
    )
    docs_add.add_argument("files", nargs="+", type=Path)

    storage = commands.add_parser(
        "storage", help="object storage tiers (S3 lifecycle rules, originals' policy)"
    )
    storage.add_argument("storage_command", choices=["setup", "retier-originals"])
    storage.add_argument(
        "--batch-size", type=int, default=500, help="retier-originals: renditions per batch"
    )

    export = commands.add_parser("export-schema", help="write the GraphQL SDL")
    export.add_argument("--output", type=Path, default=Path("schema.graphql"))

    seed = commands.add_parser("seed", help="fill a running instance with demo data")
    seed.add_argument("--url", default=None, help="GraphQL URL (default: this host and port)")
    seed.add_argument("--users", type=int, default=12)
    seed.add_argument("--posts", type=int, default=3, help="photo posts per user")
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
        for name in ("host", "port", "data_dir", "feed_store")
        if getattr(args, name, None) is not None
    }
    settings = settings.replace(**changes)
    try:
        log_format = format_for(
            settings.log_format, command=args.command, stderr_is_tty=sys.stderr.isatty()
        )
    except ValueError as exc:
        print(f"snapfeed: {exc}", file=sys.stderr)
        return 2
    configure(settings.log_level, log_format, quiet=args.command == "dev" and not args.verbose)

    if args.command == "export-schema":
        args.output.write_text(build_schema(settings).as_str() + "\n")
        print(f"wrote {args.output}")
        return 0
    if args.command == "dev":
        return _dev(settings, seed_new=not args.no_seed)
    if args.command == "storage" and args.storage_command == "retier-originals":
        return _retier_originals(settings, args.batch_size)
    if args.command == "storage":
        return _storage_setup(settings)
    if args.command == "seed":
        people = seed(
            args.url or f"{settings.base_url}/graphql", users=args.users, posts_per_user=args.posts
        )
        print(f"Seeded {len(people)} users; sign in as demo / {DEMO_PASSWORD}")
        return 0
    needed = {"SNAPFEED_DATABASE_URL": settings.database_url}
    if args.command not in ("migrate", "documents", "users"):
        needed["SNAPFEED_REDIS_URL"] = settings.redis_url
    missing = [name for name, value in needed.items() if not value]
    if missing:
        print(
            f"snapfeed: set {' and '.join(missing)} (or use `snapfeed dev` for the embedded stack)",
            file=sys.stderr,
        )
        return 2
    if args.command == "migrate":
        event_loop.run(_migrate(settings))
        return 0
    if args.command == "users":
        return _users(settings, args.users_command, args.username)
    if args.command == "documents":
        return _add_documents(settings, args.files)
    if args.command == "serve":
        if args.workers > 1:
            config = uvicorn.Config(
                "server.asgi:app",
                host=settings.host,
                port=settings.port,
                log_config=None,
                proxy_headers=True,
                loop=event_loop.UVICORN_LOOP,
            )
            dispatch.serve(config, args.workers)
        else:
            event_loop.run(_serve(settings))
        return 0
    if settings.worker_metrics_port:
        # The worker has no web server of its own: job and fan-out metrics are served here.
        start_http_server(settings.worker_metrics_port)
    event_loop.use_for_new_loops()
    create_worker(settings, burst=args.burst).run()
    return 0


async def _serve(settings: Settings) -> None:
    """uvicorn until SIGTERM/SIGINT: in-flight requests finish, sockets close with 1012."""
    server = InProcessServer(
        uvicorn.Config(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            log_config=None,
            proxy_headers=True,
        )
    )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: setattr(server, "should_exit", True))
    await server.serve()


def _add_documents(settings: Settings, files: list[Path]) -> int:
    assert settings.database_url
    schema = build_schema(settings)._schema
    try:
        docs = documents_cli.load(files, schema)
    except documents_cli.DocumentFileError as exc:
        print(f"snapfeed: nothing registered: {exc}", file=sys.stderr)
        return 1
    added, total = event_loop.run(documents_cli.add(settings.database_url, docs))
    print(f"{added} new of {len(docs)} document(s); {total} trusted document(s) registered")
    return 0


def _storage_setup(settings: Settings) -> int:
    try:
        lines = event_loop.run(storage_cli.setup(settings))
    except ValueError as exc:
        print(f"snapfeed: {exc}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


def _retier_originals(settings: Settings, batch: int) -> int:
    if batch < 1:
        print("snapfeed: --batch-size must be at least 1", file=sys.stderr)
        return 2
    try:
        lines, complete = event_loop.run(storage_cli.retier_originals(settings, batch=batch))
    except (ValueError, RuntimeError) as exc:
        print(f"snapfeed: {exc}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0 if complete else 1


def _users(settings: Settings, action: str, username: str) -> int:
    assert settings.database_url
    if not event_loop.run(set_moderator(settings.database_url, action, username)):
        print(f"snapfeed: no user {username!r}", file=sys.stderr)
        return 1
    print(f"{username}: {action.replace('-', ' ')} done")
    return 0


async def _migrate(settings: Settings) -> None:
    assert settings.database_url
    applied = await migrations.apply(settings.database_url)
    logger.info("applied %d migration(s)", len(applied))


DEV_REGISTER_RATE = 1000
# A web app's dev server on this machine (any port) may call the API and open sockets.
DEV_ORIGINS = ("http://localhost:*", "http://127.0.0.1:*")


def dev_origins(configured: Sequence[str]) -> tuple[str, ...]:
    return (*configured, *(o for o in DEV_ORIGINS if o not in configured))


def _dev(settings: Settings, *, seed_new: bool) -> int:
    stack = EmbeddedStack(settings.data_dir)
    cassandra: EmbeddedCassandra | None = None
    try:
        stack.start()
        if settings.feed_store == "cassandra" and not settings.cassandra_hosts:
            cassandra = EmbeddedCassandra(settings.data_dir / "cassandra").start()
            settings = settings.replace(cassandra_hosts=cassandra.hosts)
        settings = settings.replace(
            database_url=stack.database_url,
            redis_url=stack.redis_url,
            secret_key=settings.secret_key or _dev_secret(settings.data_dir),
            # The demo seeding registers a dozen users from this one address (0 stays no limit).
            register_rate=settings.register_rate and max(settings.register_rate, DEV_REGISTER_RATE),
            allowed_origins=dev_origins(settings.allowed_origins),
        )
        event_loop.run(_run_dev(settings, stack, seed_new=seed_new))
    except KeyboardInterrupt:
        pass
    except CassandraUnavailable as exc:
        print(f"snapfeed: {exc}", file=sys.stderr)
        return 2
    finally:
        stack.stop()
        if cassandra is not None:
            cassandra.stop()
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


async def _run_dev(settings: Settings, stack: EmbeddedStack, *, seed_new: bool) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    await _migrate(settings)
    assert settings.database_url
    empty, has_demo = await _data_state(settings.database_url)
    fresh = seed_new and empty
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
    # Not among `tasks`: seeding finishing must not stop the server.
    seeding = asyncio.create_task(_seed_and_announce(settings, server, fresh, has_demo))
    supervising = asyncio.create_task(_supervise(stack), name="supervisor")
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({*tasks, stopping}, return_when=asyncio.FIRST_COMPLETED)
    logger.info("shutting down")
    server.should_exit = True
    if not seeding.done():
        seeding.cancel()
    supervising.cancel()
    await _stop_worker(worker)
    stopping.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for task, result in zip(tasks, results, strict=True):
        if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
            logger.error("%s stopped with an error", task.get_name(), exc_info=result)


async def _supervise(stack: EmbeddedStack, every_seconds: float = 1.0) -> None:
    """Restart an embedded server that died; the API and the worker reconnect by themselves."""
    while True:
        await asyncio.sleep(every_seconds)
        try:
            await asyncio.to_thread(stack.revive)
        except Exception:
            logger.exception("could not restart an embedded server; trying again")


async def _stop_worker(worker: Worker, grace_seconds: float = 30) -> None:
    """Let running jobs finish (up to a grace period), then close; arq re-queues the rest."""
    worker.allow_pick_jobs = False
    running = [t for t in worker.tasks.values() if not t.done()]
    if running:
        await asyncio.wait(running, timeout=grace_seconds)
    try:
        await worker.close()
    except asyncio.CancelledError:
        # close() cancels what is still running and gathers it; those jobs are re-queued.
        logger.warning("cancelled jobs still running after %ss", grace_seconds)
    except UNAVAILABLE as exc:
        # Stopped while Redis is away (or restarting): its health key expires by itself.
        logger.warning("stopped the worker without Redis (%r)", exc)


async def _data_state(database_url: str) -> tuple[bool, bool]:
    """(no user yet, the demo user exists)."""
    conn = await asyncpg.connect(database_url)
    try:
        empty = not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM users)")
        return empty, bool(await by_usernames(conn, [DEMO_USERNAME]))
    finally:
        await conn.close()


async def _seed_and_announce(
    settings: Settings, server: uvicorn.Server, fresh: bool, has_demo: bool
) -> None:
    """Seed a new data dir once the API is up, then print the banner: the last thing shown."""
    while not server.started:  # noqa: ASYNC110 -- uvicorn offers no event to wait on
        await asyncio.sleep(0.05)
    if fresh:
        print("\n  Filling the new data dir with demo data (--no-seed skips this)\n", flush=True)
        people = await asyncio.to_thread(
            seed, f"{settings.base_url}/graphql", users=12, posts_per_user=3
        )
        has_demo = bool(people)
    text = banner(
        settings.base_url,
        data_dir=settings.data_dir,
        demo_sign_in=(DEMO_USERNAME, DEMO_PASSWORD) if has_demo else None,
        web_app=settings.web_app,
    )
    print(text, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
