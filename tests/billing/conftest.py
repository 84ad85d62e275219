from __future__ import annotations

from typing import Any

import httpx
import pytest

from payam.runtime import Runtime
from tests.support import bearer, signed_in_admin, signed_up


@pytest.fixture
async def admin(client: httpx.AsyncClient, runtime: Runtime) -> dict[str, str]:
    return bearer(await signed_in_admin(client, runtime))


@pytest.fixture
async def sara(client: httpx.AsyncClient) -> dict[str, str]:
    _, tokens = await signed_up(client)
    return bearer(tokens)


async def create_package(
    client: httpx.AsyncClient, admin: dict[str, str], **fields: Any
) -> dict[str, Any]:
    body = {
        "title": "Starter",
        "description": "1,000 messages for a month",
        "price": "2500000",
        "duration_days": 30,
        "category": "monthly",
        "message_limit": 1000,
        **fields,
    }
    response = await client.post("/api/v1/admin/packages", json=body, headers=admin)
    assert response.status_code == 201, response.text
    package: dict[str, Any] = response.json()
    return package


@pytest.fixture
async def starter(client: httpx.AsyncClient, admin: dict[str, str]) -> dict[str, Any]:
    return await create_package(client, admin)


async def buy_with_sandbox(
    client: httpx.AsyncClient, user: dict[str, str], package_id: int, *, approve: bool = True
) -> httpx.Response:
    """Checkout, then act as the payer on the sandbox page; returns the callback's page."""
    started = await client.post(
        "/api/v1/payments/checkout", json={"package_id": package_id}, headers=user
    )
    assert started.status_code == 201, started.text
    page = await client.get(started.json()["redirect_url"])
    assert page.status_code == 200
    decision = "approve" if approve else "cancel"
    back = await client.post(f"{started.json()['redirect_url']}/{decision}")
    assert back.status_code == 303
    return await client.get(back.headers["location"])


async def subscription(client: httpx.AsyncClient, user: dict[str, str]) -> dict[str, Any]:
    response = await client.get("/api/v1/subscriptions/me", headers=user)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body
