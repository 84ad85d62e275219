"""The interactive API documentation (Swagger UI) at ``/api/docs``, under the strict policy.

Swagger UI's files are served from the package (``fastapi-offline``): no CDN, so the page works
offline and behind networks that block CDNs. FastAPI's own page starts Swagger UI with an inline
script, which the Content-Security-Policy forbids; this page loads the same start from a file.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

__all__ = ["docs_router"]

_START_SCRIPT = (Path(__file__).parent / "docs-start.js").read_text(encoding="utf-8")


def docs_router(*, docs_url: str, openapi_url: str, assets_url: str, title: str) -> APIRouter:
    """Routes for the docs page at ``docs_url`` and its start script beside it."""
    router = APIRouter(include_in_schema=False)
    start_url = f"{docs_url}/start.js"

    @router.get(docs_url)
    async def docs_page(request: Request) -> HTMLResponse:
        root = escape(request.scope.get("root_path", ""))
        assets = f"{root}{escape(assets_url)}"
        return HTMLResponse(
            f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="icon" href="{assets}/favicon.png">
<link rel="stylesheet" href="{assets}/swagger-ui.css">
</head><body><div id="swagger-ui"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{root}{escape(start_url)}" data-openapi-url="{root}{escape(openapi_url)}"></script>
</body></html>
"""
        )

    @router.get(start_url)
    async def docs_start() -> Response:
        return Response(_START_SCRIPT, media_type="text/javascript")

    return router
