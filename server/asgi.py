"""`server.asgi:app` for ASGI servers that import an app (uvicorn --workers, gunicorn)."""

from __future__ import annotations

import os

from server.app import create_app
from server.logs import configure, format_for
from storage.settings import Settings

settings = Settings.from_env(os.environ)
configure(settings.log_level, format_for(settings.log_format, command="serve", stderr_is_tty=False))
app = create_app(settings)
