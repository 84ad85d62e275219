"""What the media tests do over and over, the way an API client does it."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import httpx

from payam.config import Settings


async def upload(
    client: httpx.AsyncClient,
    user: dict[str, str],
    content: bytes,
    *,
    filename: str = "upload.bin",
    content_type: str = "application/octet-stream",
) -> httpx.Response:
    return await client.post(
        "/api/v1/media", files={"file": (filename, content, content_type)}, headers=user
    )


async def uploaded(
    client: httpx.AsyncClient, user: dict[str, str], content: bytes, **options: str
) -> dict[str, Any]:
    response = await upload(client, user, content, **options)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["size_bytes"] == len(content)
    return body


def stored_files(settings: Settings) -> list[Path]:
    """Every file under the media directory, staged or kept."""
    root = settings.data_dir / "media"
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []
