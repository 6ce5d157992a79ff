"""The reference web app (server/webapp/) at `/`: plain files, no build step.

The app is static: it reaches the API only through the public GraphQL contract, so the same
folder can be served by any web server and pointed at a remote API (`?api=` or a
`config.json` next to `index.html`). Vendored packages are immutable by their versioned path;
the app's own files are revalidated on every load so an upgrade shows at once.
"""

from __future__ import annotations

from pathlib import Path

from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

WEBAPP_DIR = Path(__file__).resolve().parent / "webapp"
VENDOR_PREFIX = "vendor/"

# The page runs only its own scripts and styles; it may talk to any API and show media from
# any host (a remote API, a CDN in front of the bucket).
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob: http: https:",
        "media-src 'self' blob: http: https:",
        "connect-src 'self' http: https: ws: wss:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)


class WebAppFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code < 400:
            immutable = path.startswith(VENDOR_PREFIX)
            response.headers["Cache-Control"] = (
                "public, max-age=31536000, immutable" if immutable else "no-cache"
            )
            response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response


def web_app_routes(enabled: bool) -> list[BaseRoute]:
    """Last among the routes: only paths nothing else serves reach the app's files."""
    if not enabled:
        return []
    return [Mount("/", app=WebAppFiles(directory=WEBAPP_DIR, html=True), name="webapp")]
