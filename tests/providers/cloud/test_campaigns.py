"""Campaigns on a Cloud number, end to end: the engine sends through the fake Graph API over
HTTP, the fake's signed status webhooks come back to the app, and recipients move on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from payam.dispatch.engine import Dispatcher
from payam.runtime import Runtime
from tests.campaign_support import (
    campaign_view,
    create_campaign,
    grant_messages,
    phone_number,
    run_until,
    start,
    user_id,
)
from tests.dispatch.conftest import counters_match, status_counts
from tests.providers.cloud.conftest import CloudWorld


@pytest.fixture
async def dispatcher(runtime: Runtime) -> AsyncIterator[Dispatcher]:
    engine = Dispatcher(runtime, worker_id="cloud-worker")
    yield engine
    await engine.shutdown()


async def cloud_campaign(
    client: httpx.AsyncClient,
    runtime: Runtime,
    headers: dict[str, str],
    cloud: CloudWorld,
    *,
    recipients: int,
    interval: int = 0,
) -> tuple[dict[str, Any], dict[str, Any]]:
    await grant_messages(runtime, await user_id(client, headers), 100)
    sender = await cloud.link(client, headers)
    campaign = await create_campaign(
        client,
        runtime,
        headers,
        sender_ids=[sender["id"]],
        recipients=recipients,
        interval=interval,
    )
    assert (await start(client, headers, campaign["id"])).status_code == 200
    return sender, campaign


async def test_a_campaign_is_sent_once_each_and_read_receipts_arrive_by_webhook(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    cloud: CloudWorld,
    dispatcher: Dispatcher,
) -> None:
    cloud.graph.auto_statuses = ("sent", "read")  # Meta may skip the delivered status
    _sender, campaign = await cloud_campaign(client, runtime, user, cloud, recipients=6)

    async def all_read() -> bool:
        return await status_counts(runtime, campaign["id"]) == {"READ": 6}

    await run_until(dispatcher, all_read)

    sent_to = sorted(item["to"] for item in cloud.graph.sent)
    assert sent_to == sorted(phone_number(i).removeprefix("+") for i in range(6))
    recipients = (
        await client.get(f"/api/v1/campaigns/{campaign['id']}/recipients", headers=user)
    ).json()["items"]
    by_wamid = {item["wamid"]: item["biz_opaque_callback_data"] for item in cloud.graph.sent}
    assert all(r["delivered_at"] and r["read_at"] for r in recipients)
    assert len(by_wamid) == 6
    assert counters_match(await campaign_view(client, user, campaign["id"]), {"READ": 6})


async def test_numbers_not_on_whatsapp_are_skipped_and_throttling_only_waits(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    cloud: CloudWorld,
    dispatcher: Dispatcher,
) -> None:
    cloud.graph.not_on_whatsapp.add(phone_number(0).removeprefix("+"))
    cloud.graph.fail_next(130429)  # the first send is throttled
    _sender, campaign = await cloud_campaign(client, runtime, user, cloud, recipients=3)

    async def settled() -> bool:
        return await status_counts(runtime, campaign["id"]) == {"SKIPPED": 1, "DELIVERED": 2}

    await run_until(dispatcher, settled, within_seconds=30)

    view = await campaign_view(client, user, campaign["id"])
    assert view["status"] == "COMPLETED"
    subscription = (await client.get("/api/v1/subscriptions/me", headers=user)).json()
    assert subscription["messages_used"] == 2


async def test_a_spam_limit_pauses_the_numbers_campaigns_saying_why(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    cloud: CloudWorld,
    dispatcher: Dispatcher,
) -> None:
    cloud.graph.fail_next(131048, times=10)
    sender, campaign = await cloud_campaign(client, runtime, user, cloud, recipients=3)

    async def paused() -> bool:
        return bool((await campaign_view(client, user, campaign["id"]))["status"] == "PAUSED")

    await run_until(dispatcher, paused)

    view = await campaign_view(client, user, campaign["id"])
    assert "131048" in view["status_reason"]
    number = (await client.get(f"/api/v1/senders/{sender['id']}", headers=user)).json()
    assert number["status"] == "BANNED"
    assert await status_counts(runtime, campaign["id"]) == {"PENDING": 3}
    assert cloud.graph.sent == []


async def test_a_message_meta_finds_undeliverable_later_skips_its_recipient(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    cloud: CloudWorld,
    dispatcher: Dispatcher,
) -> None:
    # Meta may accept a send to a number not on WhatsApp and say so later, in a failed status.
    cloud.graph.auto_statuses = ("sent",)
    _sender, campaign = await cloud_campaign(client, runtime, user, cloud, recipients=2)

    async def sent() -> bool:
        return await status_counts(runtime, campaign["id"]) == {"SENT": 2}

    await run_until(dispatcher, sent)
    undeliverable, other = sorted(cloud.graph.sent, key=lambda item: item["to"])
    await cloud.graph.emit_status(
        undeliverable["wamid"],
        "failed",
        errors=[
            {
                "code": 131026,
                "title": "Message undeliverable",
                "error_data": {"details": "Receiver is incapable of receiving this message"},
            }
        ],
    )
    await cloud.graph.emit_status(
        other["wamid"],
        "failed",
        errors=[{"code": 131000, "title": "Something went wrong"}],
    )

    async def settled() -> bool:
        return await status_counts(runtime, campaign["id"]) == {"SKIPPED": 1, "FAILED": 1}

    await run_until(dispatcher, settled)
    recipients = (
        await client.get(f"/api/v1/campaigns/{campaign['id']}/recipients", headers=user)
    ).json()["items"]
    skipped = next(item for item in recipients if item["status"] == "SKIPPED")
    assert skipped["phone"] == f"+{undeliverable['to']}"
    assert "Not on WhatsApp" in skipped["error"]
    assert counters_match(
        await campaign_view(client, user, campaign["id"]), {"SKIPPED": 1, "FAILED": 1}
    )


async def test_a_sent_status_settles_a_send_whose_answer_never_came(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    cloud: CloudWorld,
    dispatcher: Dispatcher,
) -> None:
    # The answer comes after the session gave up (cloud_timeout_seconds): the send is UNKNOWN
    # until Meta's "sent" status says it left.
    cloud.graph.delay_seconds = runtime.settings.cloud_timeout_seconds + 1.0
    cloud.graph.auto_statuses = ()
    _sender, campaign = await cloud_campaign(client, runtime, user, cloud, recipients=1)

    async def unknown() -> bool:
        return await status_counts(runtime, campaign["id"]) == {"UNKNOWN": 1}

    await run_until(dispatcher, unknown)

    async def accepted() -> bool:
        return len(cloud.graph.sent) == 1

    await run_until(dispatcher, accepted)
    await cloud.graph.emit_status(cloud.graph.sent[0]["wamid"], "sent")

    async def sent() -> bool:
        return await status_counts(runtime, campaign["id"]) == {"SENT": 1}

    await run_until(dispatcher, sent)
    [recipient] = (
        await client.get(f"/api/v1/campaigns/{campaign['id']}/recipients", headers=user)
    ).json()["items"]
    assert recipient["error"] is None
    assert [item["to"] for item in cloud.graph.sent] == [phone_number(0).removeprefix("+")]


async def test_a_send_whose_answer_never_came_keeps_the_pace_if_meta_takes_it_late(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], cloud: CloudWorld
) -> None:
    """Meta may take a message after the worker stopped waiting for its answer: the number's
    next send still comes at least its interval after that (the fault drills found 0.88 s
    between two sends of a number paced at 1 s)."""
    # Taken and answered half a second after the session gives up (cloud_timeout_seconds).
    cloud.graph.delay_seconds = runtime.settings.cloud_timeout_seconds + 0.5
    await cloud_campaign(client, runtime, user, cloud, recipients=2, interval=1)
    # A short send window (the engine's bound on a send), so that the test waits seconds.
    brisk = replace(
        runtime, settings=runtime.settings.model_copy(update={"send_timeout_seconds": 2.0})
    )
    dispatcher = Dispatcher(brisk, worker_id="brisk-worker")
    try:
        await run_until(dispatcher, lambda: len(cloud.graph.sent) == 1)
        cloud.graph.delay_seconds = 0.0
        await run_until(dispatcher, lambda: len(cloud.graph.sent) == 2)
    finally:
        await dispatcher.shutdown()

    first, second = (item["accepted_at"] for item in cloud.graph.sent)
    assert (second - first).total_seconds() >= 1


async def test_a_token_replaced_mid_campaign_is_used_from_the_next_send(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    cloud: CloudWorld,
    dispatcher: Dispatcher,
) -> None:
    """A user who rotates the number's access token while a campaign runs (and Meta revokes the
    old one) sees the campaign go on, not pause for a token it no longer uses."""
    sender, campaign = await cloud_campaign(client, runtime, user, cloud, recipients=3, interval=1)
    await run_until(dispatcher, lambda: len(cloud.graph.sent) >= 1)

    cloud.number.access_token = "EAAG-rotated-token-5678"
    rotated = await client.patch(
        f"/api/v1/senders/{sender['id']}",
        json={"cloud": {"access_token": "EAAG-rotated-token-5678"}},
        headers=user,
    )
    assert rotated.status_code == 200, rotated.text

    async def settled() -> bool:
        return await status_counts(runtime, campaign["id"]) == {"DELIVERED": 3}

    await run_until(dispatcher, settled, within_seconds=15)
    view = await campaign_view(client, user, campaign["id"])
    assert view["status"] == "COMPLETED"
    assert view["status_reason"] is None
