"""A user with a number and quota, a loopback receiver, and webhook settings for tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from payam.config import Settings
from payam.runtime import Runtime
from payam.webhooks.delivery import WebhookDeliverer
from tests.campaign_support import FAST
from tests.campaign_support import stranger as stranger
from tests.campaign_support import user as user
from tests.webhooks.receiver import Receiver, receiving

# Loopback receivers are allowed here, explicitly; tests/webhooks/test_outbound.py refuses them.
WEBHOOKS = {
    "webhook_allow_private_networks": True,
    "webhook_retry_first_seconds": 0.1,
    "webhook_timeout_seconds": 1.0,
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={**FAST, **WEBHOOKS})


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with receiving() as found:
        yield found


@pytest.fixture
async def deliverer(runtime: Runtime) -> AsyncIterator[WebhookDeliverer]:
    found = WebhookDeliverer(runtime)
    yield found
    await found.close()


async def register_endpoint(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    receiver: Receiver,
    events: list[str],
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/webhooks/endpoints",
        json={"url": receiver.url, "events": events},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    endpoint: dict[str, Any] = response.json()
    receiver.secret = endpoint["secret"]
    return endpoint


async def deliver_until(
    deliverer: WebhookDeliverer, done: Callable[[], bool], *, within_seconds: float = 20.0
) -> None:
    """Run delivery passes (as the worker's loop does) until ``done()``."""
    deadline = time.monotonic() + within_seconds
    while not done():
        assert time.monotonic() < deadline, "the deliveries did not arrive in time"
        await deliverer.run_once()
        await asyncio.sleep(0.05)
