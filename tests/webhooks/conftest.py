"""A user with a number and quota, a loopback receiver, and webhook settings for tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from payam.config import Settings
from payam.dispatch.engine import Dispatcher
from payam.runtime import Runtime
from payam.webhooks.delivery import WebhookDeliverer
from tests.campaign_support import (
    FAST,
    create_campaign,
    grant_messages,
    link_sender,
    start,
    user_id,
)
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


@pytest.fixture
async def dispatcher(runtime: Runtime) -> AsyncIterator[Dispatcher]:
    engine = Dispatcher(runtime, worker_id="test-worker")
    yield engine
    await engine.shutdown()


async def started_campaign(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str], *, recipients: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new number and a campaign of ``recipients`` on it, started: the number and campaign."""
    await grant_messages(runtime, await user_id(client, headers), recipients)
    sender = await link_sender(client, headers)
    campaign = await create_campaign(
        client, runtime, headers, sender_ids=[sender["id"]], recipients=recipients
    )
    assert (await start(client, headers, campaign["id"])).status_code == 200
    return sender, campaign


async def deliveries(
    client: httpx.AsyncClient, headers: dict[str, str], endpoint_id: int
) -> list[dict[str, Any]]:
    """The endpoint's deliveries as its owner sees them, newest first."""
    answer = await client.get(
        f"/api/v1/webhooks/endpoints/{endpoint_id}/deliveries", headers=headers
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


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
