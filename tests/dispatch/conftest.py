"""A user with quota, sandbox numbers, campaigns with recipients, and a dispatcher to run them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, insert, select

from payam.billing.subscriptions import SubscriptionService
from payam.config import Settings
from payam.db.session import transaction
from payam.dispatch.engine import Dispatcher
from payam.models import (
    Campaign,
    GrantSource,
    Package,
    Recipient,
    RecipientStatus,
    SandboxMessage,
    User,
)
from payam.runtime import Runtime
from tests.support import bearer, signed_up

FAST = {
    "allowed_intervals": [0, 1, 5, 10, 20],
    "pacing_jitter_ratio": 0.0,
    "sandbox_latency_ms": 0,
    "sandbox_not_on_whatsapp_rate": 0.0,
    "sandbox_failure_rate": 0.0,
    "sandbox_reply_rate": 0.0,
    "sandbox_delivery_seconds": 0.2,
    "sandbox_read_seconds": 0.4,
    "dispatch_poll_seconds": 0.02,
    "reconcile_seconds": 0.2,
    "embedded_worker": False,
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update=FAST)


@pytest.fixture
async def user(client: httpx.AsyncClient) -> dict[str, str]:
    _, tokens = await signed_up(client)
    return bearer(tokens)


async def user_id(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    found: int = (await client.get("/api/v1/users/me", headers=headers)).json()["id"]
    return found


async def grant_messages(runtime: Runtime, user_id: int, messages: int) -> None:
    async with transaction(runtime.sessionmaker) as session:
        package = Package(
            title=f"{messages} messages",
            price=Decimal(0),
            duration_days=30,
            message_limit=messages,
        )
        session.add(package)
        await session.flush()
        owner = await session.get(User, user_id)
        assert owner is not None
        await SubscriptionService(session).extend(owner, package, source=GrantSource.ADMIN)


async def link_sender(
    client: httpx.AsyncClient, headers: dict[str, str], **limits: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/senders", json={"display_name": "Shop", **limits}, headers=headers
    )
    assert response.status_code == 201, response.text
    sender: dict[str, Any] = response.json()
    return sender


def phone_number(index: int) -> str:
    return f"+98912{index:07d}"


async def create_campaign(
    client: httpx.AsyncClient,
    runtime: Runtime,
    headers: dict[str, str],
    *,
    sender_ids: list[int],
    recipients: int,
    interval: int = 0,
    message: str = "سلام {{name|دوست}}، {تخفیف|حراج} امروز!",
    phones: list[str] | None = None,
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/campaigns",
        json={
            "title": "Black Friday",
            "message": message,
            "interval_seconds": interval,
            "sender_ids": sender_ids,
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    campaign: dict[str, Any] = response.json()
    numbers = phones or [phone_number(i) for i in range(recipients)]
    async with transaction(runtime.sessionmaker) as session:
        if numbers:
            await session.execute(
                insert(Recipient),
                [
                    {
                        "campaign_id": campaign["id"],
                        "phone": phone,
                        "name": f"Customer {i}",
                        "variables": {},
                        "status": RecipientStatus.PENDING,
                        "attempt": 0,
                    }
                    for i, phone in enumerate(numbers)
                ],
            )
        row = await session.get(Campaign, campaign["id"])
        assert row is not None
        row.total_recipients = len(numbers)
    return campaign


async def start(
    client: httpx.AsyncClient, headers: dict[str, str], campaign_id: int
) -> httpx.Response:
    return await client.post(f"/api/v1/campaigns/{campaign_id}/start", headers=headers)


async def campaign_view(
    client: httpx.AsyncClient, headers: dict[str, str], campaign_id: int
) -> dict[str, Any]:
    body: dict[str, Any] = (
        await client.get(f"/api/v1/campaigns/{campaign_id}", headers=headers)
    ).json()
    return body


async def started_campaign(
    client: httpx.AsyncClient,
    runtime: Runtime,
    headers: dict[str, str],
    *,
    messages: int,
    recipients: int,
    interval: int = 0,
    **sender_limits: Any,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Quota for ``messages``, one sandbox number, and a started campaign through it."""
    await grant_messages(runtime, await user_id(client, headers), messages)
    sender = await link_sender(client, headers, **sender_limits)
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


@pytest.fixture
async def dispatcher(runtime: Runtime) -> AsyncIterator[Dispatcher]:
    engine = Dispatcher(runtime, worker_id="test-worker")
    yield engine
    await engine.shutdown()


async def run_until(
    dispatcher: Dispatcher, done: Callable[[], Any], *, within_seconds: float = 30.0
) -> None:
    """Tick the dispatcher (as its loop would) until ``done()`` is true."""
    deadline = time.monotonic() + within_seconds
    while True:
        wait = await dispatcher.run_once()
        outcome = done()
        if asyncio.iscoroutine(outcome):
            outcome = await outcome
        if outcome:
            return
        assert time.monotonic() < deadline, "the dispatcher did not get there in time"
        await asyncio.sleep(min(max(wait, 0.005), 0.05))


async def status_counts(runtime: Runtime, campaign_id: int) -> dict[str, int]:
    async with transaction(runtime.sessionmaker) as session:
        rows = await session.execute(
            select(Recipient.status, func.count())
            .where(Recipient.campaign_id == campaign_id)
            .group_by(Recipient.status)
        )
        return {row[0].value: row[1] for row in rows}


async def accepted_per_phone(runtime: Runtime) -> dict[str, int]:
    """What the simulated WhatsApp says it accepted, per recipient number."""
    async with transaction(runtime.sessionmaker) as session:
        rows = await session.execute(
            select(SandboxMessage.recipient_phone, func.count()).group_by(
                SandboxMessage.recipient_phone
            )
        )
        return {row[0]: row[1] for row in rows}


def counters_match(view: dict[str, Any], counts: dict[str, int]) -> bool:
    shown = {
        key.upper(): value for key, value in view["counts"].items() if key != "total" and value
    }
    return shown == counts and view["counts"]["total"] == sum(counts.values())
