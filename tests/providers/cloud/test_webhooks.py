"""The WhatsApp webhook: the verify-token challenge, signatures, replays, statuses in any order."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from payam.db.session import transaction
from payam.models import CloudWebhookEvent, Sender
from payam.providers.base import (
    InboundMessage,
    OutgoingMessage,
    ProviderEvent,
    Receipt,
    ReceiptStatus,
    SenderIdentity,
)
from payam.providers.cloud.payload import signature_for
from payam.providers.cloud.provider import CloudSession
from payam.providers.registry import cloud_provider
from payam.runtime import Runtime
from tests.providers.cloud.conftest import CloudWorld
from tests.support import problem_fields

HOOKS = "/api/v1/webhooks/whatsapp"


@pytest.fixture
async def sender(
    client: httpx.AsyncClient, user: dict[str, str], cloud: CloudWorld
) -> dict[str, Any]:
    return await cloud.link(client, user)


async def inbox_size(runtime: Runtime) -> int:
    async with transaction(runtime.sessionmaker) as session:
        return int(await session.scalar(select(func.count()).select_from(CloudWebhookEvent)) or 0)


async def open_session(runtime: Runtime, sender_id: int) -> CloudSession:
    async with transaction(runtime.sessionmaker) as db:
        row = await db.get(Sender, sender_id)
        assert row is not None
        identity = SenderIdentity(
            sender_id=row.id, phone=row.phone, provider_config=dict(row.provider_config)
        )
    return await cloud_provider(runtime).open(identity)


async def collect(
    session: CloudSession,
    until: Callable[[list[ProviderEvent]], bool],
    *,
    within: float = 30.0,
    expect_timeout: bool = False,
) -> list[ProviderEvent]:
    events: list[ProviderEvent] = []

    async def read() -> None:
        async for event in session.events():
            events.append(event)
            if until(events):
                return

    try:
        await asyncio.wait_for(read(), timeout=within)
    except TimeoutError:
        if not expect_timeout:
            raise
    return events


@pytest.fixture
async def listening(runtime: Runtime, sender: dict[str, Any]) -> AsyncIterator[CloudSession]:
    session = await open_session(runtime, sender["id"])
    yield session
    await session.close()


async def test_the_verify_token_challenge_is_echoed_only_for_our_token(
    client: httpx.AsyncClient, sender: dict[str, Any]
) -> None:
    url = f"{HOOKS}/{sender['id']}"
    query = {"hub.mode": "subscribe", "hub.challenge": "1158201444"}

    good = await client.get(url, params={**query, "hub.verify_token": "my-verify-token-1234"})
    wrong = await client.get(url, params={**query, "hub.verify_token": "guess"})
    unknown = await client.get(
        f"{HOOKS}/999999", params={**query, "hub.verify_token": "my-verify-token-1234"}
    )

    assert good.status_code == 200
    assert good.text == "1158201444"
    assert good.headers["content-type"].startswith("text/plain")
    assert wrong.status_code == 403
    assert problem_fields(wrong) == ["hub.verify_token"]
    assert unknown.status_code == 404


async def test_deliveries_without_a_good_signature_record_nothing(
    client: httpx.AsyncClient, runtime: Runtime, cloud: CloudWorld, sender: dict[str, Any]
) -> None:
    await cloud.graph.emit_message(cloud.number.phone_number_id, "989121234567", "سلام")
    body, signature = cloud.graph.signed(
        cloud.number,
        {
            "messages": [
                {
                    "from": "989121234567",
                    "id": "wamid.X1",
                    "timestamp": "1",
                    "type": "text",
                    "text": {"body": "hi"},
                }
            ]
        },
    )
    url = f"{HOOKS}/{sender['id']}"
    before = await inbox_size(runtime)

    missing = await client.post(url, content=body)
    forged = await client.post(
        url, content=body, headers={"X-Hub-Signature-256": "sha256=" + "0" * 64}
    )
    tampered = await client.post(
        url, content=body.replace(b"hi", b"ha"), headers={"X-Hub-Signature-256": signature}
    )

    assert missing.status_code == 401
    assert forged.status_code == 403
    assert tampered.status_code == 403
    assert await inbox_size(runtime) == before == 1


async def test_a_replayed_delivery_records_nothing_twice(
    client: httpx.AsyncClient, runtime: Runtime, cloud: CloudWorld, sender: dict[str, Any]
) -> None:
    delivery = await cloud.graph.emit_message(cloud.number.phone_number_id, "989121234567", "STOP")
    assert delivery.status_code == 200
    raw = json.dumps(delivery.body).encode()
    signature = signature_for(raw, cloud.number.app_secret)

    again = await client.post(
        f"{HOOKS}/{sender['id']}", content=raw, headers={"X-Hub-Signature-256": signature}
    )
    together = await asyncio.gather(
        *(
            client.post(
                f"{HOOKS}/{sender['id']}", content=raw, headers={"X-Hub-Signature-256": signature}
            )
            for _ in range(3)
        )
    )

    assert again.status_code == 200
    assert again.json() == {"recorded": 0}
    assert [response.status_code for response in together] == [200] * 3
    assert await inbox_size(runtime) == 1


async def test_statuses_in_any_order_reach_the_session_by_our_message_id(
    runtime: Runtime, cloud: CloudWorld, listening: CloudSession
) -> None:
    graph = cloud.graph
    graph.auto_statuses = ()

    first = await listening.send(
        OutgoingMessage(to="+989121234567", text="one", message_id="ours-1")
    )
    second = await listening.send(
        OutgoingMessage(to="+989121234568", text="two", message_id="ours-2")
    )
    now = int(time.time())
    # Read before delivered, a repeat, a failure, and a sent that comes last.
    await graph.emit_status(first.provider_message_id, "read", timestamp=now + 2)
    await graph.emit_status(first.provider_message_id, "delivered", timestamp=now + 1)
    await graph.emit_status(first.provider_message_id, "read", timestamp=now + 2)
    await graph.emit_status(
        second.provider_message_id,
        "failed",
        errors=[
            {
                "code": 131047,
                "title": "Re-engagement message",
                "error_data": {"details": "Message failed to send because more than 24 hours"},
            }
        ],
    )
    await graph.emit_status(first.provider_message_id, "sent", timestamp=now)
    await graph.emit_message(cloud.number.phone_number_id, "989121234567", "لغو")

    events = await collect(listening, lambda seen: len(seen) >= 6)

    receipts = [(e.message_id, e.status) for e in events if isinstance(e, Receipt)]
    assert receipts == [
        ("ours-1", ReceiptStatus.DELIVERED),
        ("ours-1", ReceiptStatus.READ),
        ("ours-1", ReceiptStatus.DELIVERED),
        ("ours-2", ReceiptStatus.FAILED),
        ("ours-1", ReceiptStatus.SENT),
    ]
    failed = next(e for e in events if isinstance(e, Receipt) and e.status is ReceiptStatus.FAILED)
    assert "24 hours" in str(failed.reason)
    [inbound] = [e for e in events if isinstance(e, InboundMessage)]
    assert (inbound.from_phone, inbound.text) == ("+989121234567", "لغو")
    assert await inbox_size(runtime) == 5  # read, delivered, failed, sent, the message


async def test_what_is_not_acknowledged_is_handed_out_again_and_what_is_never(
    runtime: Runtime, cloud: CloudWorld, sender: dict[str, Any]
) -> None:
    for text in ("one", "two", "three"):
        await cloud.graph.emit_message(cloud.number.phone_number_id, "989121234567", text)

    # A worker takes everything, records only "one", and dies (its session closes).
    first = await open_session(runtime, sender["id"])
    taken = await collect(first, lambda seen: len(seen) >= 3)
    await first.acknowledge(taken[:1])
    await first.close()
    # The next worker gets the rest again, and records them.
    second = await open_session(runtime, sender["id"])
    again = await collect(second, lambda seen: len(seen) >= 2)
    await second.acknowledge(again)
    await second.close()
    third = await open_session(runtime, sender["id"])
    nothing = await collect(third, lambda seen: False, within=0.3, expect_timeout=True)
    await third.close()

    assert [e.text for e in taken if isinstance(e, InboundMessage)] == ["one", "two", "three"]
    assert [e.text for e in again if isinstance(e, InboundMessage)] == ["two", "three"]
    assert nothing == []
