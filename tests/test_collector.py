"""A serving process freezes what start-up made and collects the young generation less
often (server/collector.py): its app's lifespan settles the collector once the pools are open.
Run in a child process: freezing this one would keep every test's garbage."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from server import collector
from storage.settings import Settings

CHILD = textwrap.dedent(
    """
    import asyncio, gc, os, sys
    from server.app import create_app
    from storage.settings import Settings

    async def main():
        app = create_app(Settings.from_env(os.environ))
        before = gc.get_freeze_count()
        async with app.router.lifespan_context(app):
            print(before, gc.get_freeze_count(), *gc.get_threshold())

    asyncio.run(main())
    """
)


def test_the_apps_lifespan_settles_the_collector(settings: Settings) -> None:
    assert settings.database_url and settings.redis_url
    env = {
        "SNAPFEED_DATABASE_URL": settings.database_url,
        "SNAPFEED_REDIS_URL": settings.redis_url,
        "SNAPFEED_SECRET_KEY": "collector-test",
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    before, frozen, *thresholds = map(int, done.stdout.split())
    assert before == 0  # nothing frozen until the lifespan starts
    assert frozen > 10_000  # modules, the schema, the pools
    assert tuple(thresholds) == collector.THRESHOLDS
