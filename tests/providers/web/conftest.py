"""WhatsApp Web numbers over the fake neonize client (``tests.fakes.neonize``), the app on a real
loopback server so QR codes reach a real WebSocket client."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from payam.config import Settings
from tests.campaign_support import FAST, stranger, user  # noqa: F401 - this folder's fixtures
from tests.fakes import neonize
from tests.fakes.neonize import WORLD, FakeClient, FakeWhatsAppWeb
from tests.live.conftest import LiveServer, live_server, receive
from tests.support import wait_for

WEB_FAST = {
    "cloud_inbox_poll_seconds": 0.02,
    "web_client_factory": "tests.fakes.neonize:FakeClient",
    "web_connect_timeout_seconds": 5.0,
}


@pytest.fixture
def settings(settings: Settings, tmp_path: Any) -> Settings:
    return settings.model_copy(
        update={**FAST, **WEB_FAST, "web_session_store": str(tmp_path / "whatsapp")}
    )


@pytest.fixture(autouse=True)
def world() -> FakeWhatsAppWeb:
    """A fresh WhatsApp for each test."""
    neonize.WORLD = fresh = FakeWhatsAppWeb()
    return fresh


async def linking_client(world: FakeWhatsAppWeb) -> FakeClient:
    await wait_for(world.linking, explain="no linking client")
    return world.linking()[-1]


async def start_linking(
    client: httpx.AsyncClient, headers: dict[str, str], **limits: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/senders",
        json={"provider": "web", "display_name": "Shop", **limits},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    sender: dict[str, Any] = response.json()
    return sender


async def linked_sender(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    world: FakeWhatsAppWeb,
    phone: str,
    **limits: Any,
) -> tuple[dict[str, Any], str]:
    """A number linked by QR over the API; its id and device."""
    sender = await start_linking(client, headers, **limits)
    device = await world.scan(await linking_client(world), phone)

    async def connected() -> bool:
        answer = await client.get(f"/api/v1/senders/{sender['id']}", headers=headers)
        return bool(answer.json()["status"] == "CONNECTED")

    await wait_for(connected, explain="the number never connected")
    return sender, device


__all__ = ["WORLD", "LiveServer", "live_server", "receive"]
