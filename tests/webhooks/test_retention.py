"""The housekeeping pass removes deliveries finished longer ago than the retention, with their
events; it keeps what is still being delivered and what the noticing remembers, so nothing is
announced twice after it."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from payam.background import housekeeping
from payam.db.session import transaction
from payam.dispatch.engine import Dispatcher
from payam.models import (
    Campaign,
    DeliveryStatus,
    Recipient,
    Sender,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from payam.runtime import Runtime
from payam.webhooks.delivery import WebhookDeliverer
from tests.campaign_support import (
    campaign_view,
    run_until,
)
from tests.webhooks.conftest import deliver_until, register_endpoint, started_campaign
from tests.webhooks.receiver import Receiver, receiving

RECIPIENTS = 6
EVENTS = ["campaign.started", "campaign.completed", "recipient.sent", "sender.connected"]


@pytest.fixture
async def failing_receiver() -> AsyncIterator[Receiver]:
    async with receiving() as found:
        found.plan = [500] * 10_000
        yield found


async def events_by_endpoint(runtime: Runtime) -> dict[int, Counter[str]]:
    async with transaction(runtime.sessionmaker) as session:
        rows = (await session.execute(select(WebhookEvent.endpoint_id, WebhookEvent.type))).all()
    found: dict[int, Counter[str]] = {}
    for endpoint_id, event_type in rows:
        found.setdefault(endpoint_id, Counter())[event_type] += 1
    return found


async def time_passes(runtime: Runtime, days: float) -> None:
    """Everything the test made happened ``days`` earlier than it did."""
    ago = timedelta(days=days)
    async with transaction(runtime.sessionmaker) as session:
        for model, columns in [
            (WebhookEndpoint, ["created_at", "updated_at"]),
            (WebhookEvent, ["created_at"]),
            (WebhookDelivery, ["created_at"]),
            (Campaign, ["started_at", "completed_at", "updated_at"]),
            (Recipient, ["sent_at"]),
            (Sender, ["created_at", "updated_at"]),
        ]:
            for row in await session.scalars(select(model)):
                for name in columns:
                    if getattr(row, name) is not None:
                        setattr(row, name, getattr(row, name) - ago)


async def test_old_finished_deliveries_go_and_nothing_is_announced_again(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    receiver: Receiver,
    failing_receiver: Receiver,
    deliverer: WebhookDeliverer,
    dispatcher: Dispatcher,
) -> None:
    heard = await register_endpoint(client, user, receiver, EVENTS)
    failing = await register_endpoint(client, user, failing_receiver, ["recipient.sent"])
    _, campaign = await started_campaign(client, runtime, user, recipients=RECIPIENTS)

    async def finished() -> bool:
        return bool((await campaign_view(client, user, campaign["id"]))["status"] == "COMPLETED")

    await run_until(dispatcher, finished)

    def everything() -> bool:
        types = receiver.types()
        return types.count("recipient.sent") == RECIPIENTS and "campaign.completed" in types

    await deliver_until(deliverer, everything)
    told = len(receiver.received)
    assert "campaign.started" in receiver.types()
    assert "sender.connected" in receiver.types()
    before = await events_by_endpoint(runtime)
    assert before[failing["id"]]["recipient.sent"] == RECIPIENTS

    await time_passes(runtime, days=runtime.settings.webhook_retention_days + 1)
    await housekeeping(runtime, jobs=False)

    after = await events_by_endpoint(runtime)
    # The endpoint that heard everything keeps only the last campaign and number event.
    assert after[heard["id"]] == Counter({"campaign.completed": 1, "sender.connected": 1})
    # The failing endpoint's deliveries are still being tried: all of it stays.
    assert after[failing["id"]] == before[failing["id"]]
    async with transaction(runtime.sessionmaker) as session:
        deliveries = (
            await session.execute(select(WebhookDelivery.endpoint_id, WebhookDelivery.status))
        ).all()
        attempts = (await session.scalars(select(WebhookAttempt.delivery_id).distinct())).all()
    assert {status for endpoint_id, status in deliveries if endpoint_id == failing["id"]} == {
        DeliveryStatus.PENDING
    }
    assert sum(endpoint_id == heard["id"] for endpoint_id, _ in deliveries) == 2
    assert set(attempts) <= await delivery_ids(runtime)  # a removed delivery's attempts went

    # Nothing removed is noticed again: no second start, no second connection.
    for _ in range(3):
        await deliverer.run_once()
    assert len(receiver.received) == told


async def delivery_ids(runtime: Runtime) -> set[int]:
    async with transaction(runtime.sessionmaker) as session:
        return set(await session.scalars(select(WebhookDelivery.id)))
