"""What FastAPI cannot tell OpenAPI by itself: the files a route answers with."""

from __future__ import annotations

from typing import Any


def file_responses(description: str, *media_types: str) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route whose 200 is a file of one of ``media_types``."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"description": description, "content": dict.fromkeys(media_types, binary)}}
