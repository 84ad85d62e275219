"""A fake Graph API and the app, each on a real loopback server, and Cloud numbers linked to them.

The fake posts its status webhooks to the app's real address, signed with the number's app secret,
so every test here crosses HTTP both ways as a deployment does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from payam.app import create_app
from payam.config import Settings
from payam.db.session import transaction
from payam.models import Sender
from payam.providers.base import SenderIdentity
from payam.providers.cloud.fake_graph import FakeGraph, FakeNumber
from payam.providers.cloud.provider import CloudSession
from payam.providers.registry import cloud_provider
from payam.runtime import Runtime
from tests.campaign_support import FAST, stranger, user  # noqa: F401 - this folder's fixtures
from tests.support import served

CLOUD_FAST = {"cloud_inbox_poll_seconds": 0.02, "cloud_timeout_seconds": 1.0}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={**FAST, **CLOUD_FAST})


@dataclass
class CloudWorld:
    graph: FakeGraph
    graph_url: str
    app_url: str
    number: FakeNumber

    def credentials(self, number: FakeNumber | None = None, **changes: Any) -> dict[str, Any]:
        number = number or self.number
        return {
            "phone_number_id": number.phone_number_id,
            "waba_id": number.waba_id,
            "access_token": number.access_token,
            "app_secret": number.app_secret,
            "verify_token": "my-verify-token-1234",
            "graph_base_url": self.graph_url,
            **changes,
        }

    def webhook_url(self, sender_id: int) -> str:
        return f"{self.app_url}/api/v1/webhooks/whatsapp/{sender_id}"

    async def link(
        self,
        client: httpx.AsyncClient,
        headers: dict[str, str],
        number: FakeNumber | None = None,
        **limits: Any,
    ) -> dict[str, Any]:
        """A Cloud number linked over the API, its webhook pointed at the app."""
        number = number or self.number
        response = await client.post(
            "/api/v1/senders",
            json={
                "provider": "cloud",
                "display_name": "Cloud shop",
                "cloud": self.credentials(number),
                **limits,
            },
            headers=headers,
        )
        assert response.status_code == 201, response.text
        sender: dict[str, Any] = response.json()
        number.webhook_url = self.webhook_url(sender["id"])
        return sender


@pytest.fixture
async def cloud(runtime: Runtime) -> AsyncIterator[CloudWorld]:
    graph = FakeGraph()
    number = graph.add_number()
    async with served(graph.app) as graph_address, served(create_app(runtime=runtime)) as app:
        yield CloudWorld(
            graph=graph, graph_url=f"http://{graph_address}", app_url=f"http://{app}", number=number
        )
        await graph.close()


@pytest.fixture
async def session(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],  # noqa: F811 - the fixture imported above
    cloud: CloudWorld,
) -> AsyncIterator[CloudSession]:
    """A Cloud number linked over the API, and its session opened as the engine opens it."""
    linked = await cloud.link(client, user)
    async with transaction(runtime.sessionmaker) as db:
        sender = await db.get(Sender, linked["id"])
        assert sender is not None
        identity = SenderIdentity(
            sender_id=sender.id, phone=sender.phone, provider_config=dict(sender.provider_config)
        )
    opened = await cloud_provider(runtime).open(identity)
    yield opened
    await opened.close()
