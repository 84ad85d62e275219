"""An endpoint that keeps failing is disabled, its owner told by e-mail; enabled again, what
waited goes out."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import select

from payam.config import Settings
from payam.db.session import transaction
from payam.models import WebhookDelivery
from payam.runtime import Runtime
from payam.webhooks.delivery import WebhookDeliverer
from tests.campaign_support import link_sender
from tests.fakes.smtp import FakeMailbox
from tests.webhooks.conftest import deliver_until, register_endpoint
from tests.webhooks.receiver import Receiver


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"webhook_disable_after_failures": 3, "webhook_disable_after_hours": 0}
    )


async def test_an_endpoint_that_keeps_failing_is_disabled_and_its_owner_told(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    receiver: Receiver,
    deliverer: WebhookDeliverer,
    mailbox: FakeMailbox,
) -> None:
    endpoint = await register_endpoint(client, user, receiver, ["sender.connected"])
    receiver.plan = [500] * 10
    await link_sender(client, user)
    url = f"/api/v1/webhooks/endpoints/{endpoint['id']}"

    async def disabled() -> bool:
        return not (await client.get(url, headers=user)).json()["enabled"]

    for _ in range(200):
        if await disabled():
            break
        await deliverer.run_once()
        await asyncio.sleep(0.05)
    view = (await client.get(url, headers=user)).json()
    assert view["enabled"] is False
    assert "3 failed deliveries in a row" in view["disabled_reason"]
    assert receiver.hits == 3
    [notice] = mailbox.to("sara@example.com")
    text = notice.get_body(preferencelist=("plain",))
    assert text is not None
    assert receiver.url in text.get_content()

    # Enabled again, the waiting delivery goes out.
    receiver.plan = []
    assert (await client.patch(url, json={"enabled": True}, headers=user)).status_code == 200
    async with transaction(runtime.sessionmaker) as session:
        pending = (await session.scalars(select(WebhookDelivery))).one()
    assert pending.status.value == "PENDING"
    await deliver_until(deliverer, lambda: len(receiver.received) == 1)
