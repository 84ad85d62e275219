"""The published API contract: the OpenAPI schema as checked into ``docs/openapi.json``.

The file is written by ``make openapi`` (``payam openapi --output docs/openapi.json``) and compared
with the app's schema by the tests, so the web app's generated client and outside integrations
build against the schema the code answers by. The text is the same for the same code: keys sorted,
two-space indent, one trailing newline.
"""

from __future__ import annotations

import json

from fastapi import FastAPI

__all__ = ["CONTRACT_PATH", "render_openapi"]

# Relative to the repository's root, where make runs.
CONTRACT_PATH = "docs/openapi.json"


def render_openapi(app: FastAPI) -> str:
    """The app's OpenAPI schema as the checked-in file holds it."""
    return json.dumps(app.openapi(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
