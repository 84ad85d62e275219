"""Replies reach a receiver as ``recipient.replied``, once each even when the transport hands
a reply out twice; a reply that opts out is also heard as ``recipient.opted_out``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from payam.config import Settings
from payam.dispatch.engine import Dispatcher
from payam.dispatch.events import EventHandler
from payam.kit.clock import utc_now
from payam.providers.base import InboundMessage
from payam.runtime import Runtime
from payam.webhooks.delivery import WebhookDeliverer
from tests.campaign_support import (
    campaign_view,
    phone_number,
    run_until,
    user_id,
)
from tests.webhooks.conftest import deliver_until, register_endpoint, started_campaign
from tests.webhooks.receiver import Receiver

RECIPIENTS = 4


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Every delivered message is answered, never with an opt-out.
    return settings.model_copy(update={"sandbox_reply_rate": 1.0, "sandbox_opt_out_rate": 0.0})


async def sent_campaign(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], dispatcher: Dispatcher
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A number and a campaign of ``RECIPIENTS`` that it sent, every message delivered."""
    sender, campaign = await started_campaign(client, runtime, user, recipients=RECIPIENTS)

    async def delivered() -> bool:
        view = await campaign_view(client, user, campaign["id"])
        return bool(view["status"] == "COMPLETED" and view["counts"]["delivered"] == RECIPIENTS)

    await run_until(dispatcher, delivered)
    return sender, campaign


async def test_each_reply_is_heard_once_with_the_message_it_answers(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    receiver: Receiver,
    deliverer: WebhookDeliverer,
    dispatcher: Dispatcher,
) -> None:
    await register_endpoint(client, user, receiver, ["recipient.replied"])
    _, campaign = await sent_campaign(client, runtime, user, dispatcher)

    def replied() -> list[dict[str, Any]]:
        return [event for event in receiver.events() if event["type"] == "recipient.replied"]

    await deliver_until(deliverer, lambda: len(replied()) >= RECIPIENTS)
    # Give a repeat, had one been written, its chance to arrive.
    await deliverer.run_once()
    events = replied()
    assert all(delivery.signed for delivery in receiver.received)
    assert sorted(event["data"]["phone"] for event in events) == [
        phone_number(index) for index in range(RECIPIENTS)
    ]
    for event in events:
        data = event["data"]
        assert data["campaign_id"] == campaign["id"]
        assert data["message_id"]
        assert data["text"]
        assert data["opted_out"] is False


async def test_a_reply_handed_out_twice_is_heard_once_and_an_opt_out_as_such(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    receiver: Receiver,
    deliverer: WebhookDeliverer,
    dispatcher: Dispatcher,
    settings: Settings,
) -> None:
    sender, campaign = await sent_campaign(client, runtime, user, dispatcher)
    # Listening only from now: the sandbox's own replies above were before the endpoint.
    await register_endpoint(client, user, receiver, ["recipient.replied", "recipient.opted_out"])
    owner = await user_id(client, user)
    handler = EventHandler(runtime, notify=_ignore)
    now = utc_now()
    question = InboundMessage(phone_number(1), "Is it still on?", now, key="message:wamid.1")
    stop = InboundMessage(phone_number(2), settings.opt_out_keywords[0], now)
    stranger = InboundMessage("+989350000000", "Who is this?", now, key="message:wamid.2")
    # The transport hands the batch out, the worker dies before acknowledging it, and the next
    # session of the number hands the same messages out again.
    for _ in range(2):
        await handler.handle([question, stop, stranger], sender_id=sender["id"], user_id=owner)

    def heard() -> bool:
        types = receiver.types()
        return types.count("recipient.replied") >= 2 and "recipient.opted_out" in types

    await deliver_until(deliverer, heard)
    await deliverer.run_once()
    by_phone = {
        event["data"]["phone"]: event
        for event in receiver.events()
        if event["type"] == "recipient.replied"
    }
    assert receiver.types().count("recipient.replied") == 2
    assert set(by_phone) == {phone_number(1), phone_number(2)}  # not the stranger's
    assert by_phone[phone_number(1)]["data"]["text"] == "Is it still on?"
    assert by_phone[phone_number(1)]["data"]["opted_out"] is False
    assert by_phone[phone_number(2)]["data"]["opted_out"] is True
    assert by_phone[phone_number(2)]["data"]["campaign_id"] == campaign["id"]
    opted_out = [e for e in receiver.events() if e["type"] == "recipient.opted_out"]
    assert [event["data"]["phone"] for event in opted_out] == [phone_number(2)]


async def _ignore(campaign_ids: set[int]) -> None:
    return None
