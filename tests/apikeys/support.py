"""Making API keys the way a user does, over HTTP."""

from __future__ import annotations

from typing import Any

import httpx


async def create_key(
    client: httpx.AsyncClient, headers: dict[str, str], **fields: Any
) -> dict[str, Any]:
    body = {"name": "CRM", "scopes": ["read"], **fields}
    response = await client.post("/api/v1/api-keys", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def key_auth(key: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {key['secret']}"}
