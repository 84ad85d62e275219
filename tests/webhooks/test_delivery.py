"""Events reach a loopback receiver signed, batched, retried, and recorded; failing endpoints
are disabled with a notice to their owner; a delivery can be sent again."""

from __future__ import annotations

import asyncio
import time

import httpx

from payam.dispatch.engine import Dispatcher
from payam.runtime import Runtime
from payam.webhooks.delivery import WebhookDeliverer, delivering_webhooks
from tests.campaign_support import (
    campaign_view,
    create_campaign,
    grant_messages,
    link_sender,
    run_until,
    user_id,
)
from tests.webhooks.conftest import (
    deliver_until,
    deliveries,
    register_endpoint,
    started_campaign,
)
from tests.webhooks.receiver import Receiver

RECIPIENTS = 30
EVERY_EVENT = [
    "campaign.started",
    "campaign.paused",
    "campaign.completed",
    "recipient.sent",
    "recipient.delivered",
    "sender.connected",
]


async def test_every_recipients_fate_arrives_signed_and_batched(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    receiver: Receiver,
    deliverer: WebhookDeliverer,
    dispatcher: Dispatcher,
) -> None:
    await register_endpoint(client, user, receiver, EVERY_EVENT)
    _, campaign = await started_campaign(client, runtime, user, recipients=RECIPIENTS)

    async def finished() -> bool:
        view = await campaign_view(client, user, campaign["id"])
        return bool(view["status"] == "COMPLETED")

    await run_until(dispatcher, finished)

    def heard_everything() -> bool:
        types = receiver.types()
        return (
            types.count("recipient.sent") == RECIPIENTS
            and "campaign.completed" in types
            and "campaign.started" in types
            and "sender.connected" in types
        )

    await deliver_until(deliverer, heard_everything)
    assert all(delivery.signed for delivery in receiver.received)
    sent = [event for event in receiver.events() if event["type"] == "recipient.sent"]
    assert {event["data"]["phone"] for event in sent} == {
        f"+98912{index:07d}" for index in range(RECIPIENTS)
    }
    assert {event["data"]["campaign_id"] for event in sent} == {campaign["id"]}
    # Thirty sends within a second or two travel in a few batches, not thirty requests.
    batches = [d for d in receiver.received if "recipient.sent" in d.types]
    assert len(batches) <= 5
    assert len({delivery.message_id for delivery in receiver.received}) == len(receiver.received)
    completed = next(e for e in receiver.events() if e["type"] == "campaign.completed")
    # Every recipient is counted where the campaign's end found them: sent, delivered, or read
    # already (the sandbox reads within 0.4 s, so a slow machine sees them all read).
    counts = completed["data"]["counts"]
    assert counts["sent"] + counts["delivered"] + counts["read"] == RECIPIENTS

    # Receipts follow as recipient.delivered.
    await run_until(dispatcher, lambda: True)
    await deliver_until(
        deliverer, lambda: receiver.types().count("recipient.delivered") == RECIPIENTS
    )


async def test_pauses_and_resumptions_are_told(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    receiver: Receiver,
    deliverer: WebhookDeliverer,
) -> None:
    await register_endpoint(client, user, receiver, ["campaign.started", "campaign.paused"])
    await grant_messages(runtime, await user_id(client, user), 5)
    sender = await link_sender(client, user)
    campaign = await create_campaign(client, runtime, user, sender_ids=[sender["id"]], recipients=5)
    url = f"/api/v1/campaigns/{campaign['id']}"
    heard: list[str] = []
    for action, event in [
        ("start", "campaign.started"),
        ("pause", "campaign.paused"),
        ("resume", "campaign.started"),
        ("pause", "campaign.paused"),
    ]:
        assert (await client.post(f"{url}/{action}", headers=user)).status_code == 200
        heard.append(event)
        await deliver_until(deliverer, lambda: receiver.types() == heard)
    paused = receiver.events()[-1]
    assert paused["data"]["status"] == "PAUSED"
    assert paused["data"]["reason"] == "Paused by you"
    assert paused["data"]["campaign_id"] == campaign["id"]


async def test_failures_and_timeouts_are_retried_and_every_attempt_recorded(
    client: httpx.AsyncClient,
    user: dict[str, str],
    receiver: Receiver,
    deliverer: WebhookDeliverer,
) -> None:
    endpoint = await register_endpoint(client, user, receiver, ["sender.connected"])
    receiver.plan = [500, ("hang", 3.0), 503]
    await link_sender(client, user)
    await deliver_until(deliverer, lambda: bool(receiver.received))
    [delivery] = await deliveries(client, user, endpoint["id"])
    assert delivery["status"] == "DELIVERED"
    assert delivery["attempts"] == 4
    tries = delivery["tries"]
    assert [attempt["status_code"] for attempt in tries] == [500, None, 503, 204]
    assert tries[1]["error"] == "timed out"
    assert 900 <= tries[1]["duration_ms"] < 3000
    # Every retry is the same message: one webhook-id, signed again each time.
    assert receiver.received[0].message_id == delivery["message_id"]
    assert receiver.received[0].signed


async def test_redelivery_sends_the_same_message_again(
    client: httpx.AsyncClient,
    user: dict[str, str],
    receiver: Receiver,
    deliverer: WebhookDeliverer,
) -> None:
    endpoint = await register_endpoint(client, user, receiver, ["sender.connected"])
    await link_sender(client, user)
    await deliver_until(deliverer, lambda: len(receiver.received) == 1)
    [delivery] = await deliveries(client, user, endpoint["id"])
    again = await client.post(
        f"/api/v1/webhooks/endpoints/{endpoint['id']}/deliveries/{delivery['id']}/redeliver",
        headers=user,
    )
    assert again.status_code == 202, again.text
    await deliver_until(deliverer, lambda: len(receiver.received) == 2)
    first, second = receiver.received
    assert first.message_id == second.message_id
    assert first.body == second.body


async def test_a_slow_endpoint_never_slows_sending(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    receiver: Receiver,
    dispatcher: Dispatcher,
) -> None:
    await register_endpoint(client, user, receiver, ["recipient.sent", "campaign.started"])
    # Every request hangs past the sender's timeout: each delivery waits its whole second.
    receiver.plan = [("hang", 5.0)] * 100
    _, campaign = await started_campaign(client, runtime, user, recipients=RECIPIENTS)

    async def finished() -> bool:
        view = await campaign_view(client, user, campaign["id"])
        return bool(view["status"] == "COMPLETED")

    async with delivering_webhooks(runtime):
        started = time.monotonic()
        await run_until(dispatcher, finished, within_seconds=20)
        took = time.monotonic() - started
        for _ in range(200):
            if receiver.hits:
                break
            await asyncio.sleep(0.05)
    # The deliveries were tried meanwhile, and none reached the receiver.
    assert receiver.hits
    assert receiver.received == []
    assert took < 10
