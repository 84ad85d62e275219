"""The web app: the built single-page app in ``PAYAM_WEB_DIR`` (``frontend/dist``), served at ``/``.

A path that names a file of the build is that file; any other path without a file extension is one
of the app's own routes (``/campaigns/12``), answered with ``index.html`` so a reload or a shared
link opens the right screen. The API's paths (``/api``, ``/healthz``, ``/readyz``, ``/metrics``)
never reach the app: an unknown one stays the API's 404. Vite names the files under ``/assets/``
by their content, so they are cached for a year; everything else, ``index.html`` first, is checked
with the server on every use so a new build is seen at once.
"""

from __future__ import annotations

import posixpath
from html import escape
from pathlib import Path

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, Response
from starlette.routing import Match, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

__all__ = ["install_web_app"]

# Paths the server answers itself; the app's routes must never shadow them.
SERVER_PATHS = ("/api", "/healthz", "/readyz", "/metrics")
INDEX = "index.html"
ASSETS = "assets"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

NOT_BUILT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Payam: the web app is not built</title></head>
<body>
<h1>The web app is not built yet</h1>
<p>Payam's API is running: its documentation is at <a href="/api/docs">/api/docs</a>.</p>
<p>To build it, run <code>make run</code> in the repository (it builds the app and serves it),
or <code>npm ci &amp;&amp; npm run build</code> in <code>frontend/</code>.
Payam serves the build from <code>PAYAM_WEB_DIR</code>, now <code>{directory}</code>.</p>
</body></html>
"""


class _WebApp(StaticFiles):
    """The build's files, ``index.html`` for the app's routes, a hint while there is no build."""

    def __init__(self, directory: Path) -> None:
        # Checked on each request, not once: the build may appear after the server starts.
        super().__init__(directory=directory, check_dir=False)
        self.root = directory

    async def check_config(self) -> None:
        # No build yet is not an error: the app's routes answer the page that says how to make one.
        if self.root.exists():
            await super().check_config()

    async def get_response(self, path: str, scope: Scope) -> Response:
        asset = path.replace("\\", "/").split("/")[0] == ASSETS
        try:
            response = await super().get_response(path, scope)
        except HTTPException as error:
            # A missing file (anything with an extension, or under /assets/) is a real 404.
            if error.status_code != 404 or asset or posixpath.splitext(path)[1]:
                raise
            if not (self.root / INDEX).is_file():
                return HTMLResponse(
                    # The setting as given, not resolved: no more of the server's disk is told.
                    NOT_BUILT_PAGE.format(directory=escape(str(self.root))),
                    status_code=503,
                    headers={"Cache-Control": "no-store"},
                )
            response = await super().get_response(INDEX, scope)
        response.headers["Cache-Control"] = IMMUTABLE if asset else REVALIDATE
        return response


class _WebAppMount(Mount):
    """Takes every HTTP path no route took, but the server's own: those keep their 404s."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or any(
            path == prefix or path.startswith(f"{prefix}/") for prefix in SERVER_PATHS
        ):
            return Match.NONE, {}
        return super().matches(scope)


def install_web_app(app: FastAPI, directory: Path) -> None:
    """Serve the web app at ``/``. Call after every other route: it answers what they do not."""
    app.router.routes.append(_WebAppMount("", app=_WebApp(directory), name="web-app"))
