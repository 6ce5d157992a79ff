"""`server.asgi:app` for ASGI servers that import an app (uvicorn --workers, gunicorn)."""

from __future__ import annotations

import os

from server.app import create_app
from server.logs import configure
from storage.settings import Settings

settings = Settings.from_env(os.environ)
configure(settings.log_level, settings.log_format)
app = create_app(settings)
