"""Numbers, quota and campaigns with recipients, set up the way a client of the API does it.

Shared by tests/campaigns, tests/senders and tests/dispatch. The fixtures here (``settings``,
``user``, ``stranger``) take effect in a folder whose conftest.py imports them.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, select, update

from payam.billing.subscriptions import SubscriptionService
from payam.campaigns.service import FINISHED
from payam.config import Settings
from payam.db.session import transaction
from payam.dispatch.engine import Dispatcher
from payam.kit.clock import utc_now
from payam.models import (
    Campaign,
    CampaignStatus,
    GrantSource,
    Package,
    Recipient,
    RecipientStatus,
    User,
)
from payam.runtime import Runtime
from tests.support import signed_in_headers

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
    """Sends without waits or chance: no latency, no jitter, no failures, no replies."""
    return settings.model_copy(update=FAST)


@pytest.fixture
async def user(client: httpx.AsyncClient) -> dict[str, str]:
    """Sara, signed up and in: her Authorization header."""
    return await signed_in_headers(client)


@pytest.fixture
async def stranger(client: httpx.AsyncClient) -> dict[str, str]:
    """Omid, another account: his Authorization header."""
    return await signed_in_headers(
        client, name="Omid Karimi", username="omid", email="omid@example.com", phone="09129876543"
    )


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
    """A draft made over the API, with recipients ``Customer 0``, ``Customer 1``, … added."""
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


async def completed(client: httpx.AsyncClient, headers: dict[str, str], campaign_id: int) -> bool:
    """The campaign shows as completed to its owner."""
    return bool((await campaign_view(client, headers, campaign_id))["status"] == "COMPLETED")


async def draft_with_quota(
    client: httpx.AsyncClient,
    runtime: Runtime,
    headers: dict[str, str],
    *,
    recipients: int,
    messages: int = 10,
    **campaign: Any,
) -> dict[str, Any]:
    """All a start needs: quota for ``messages``, a number of its own, and a draft of
    ``recipients`` through it (``campaign`` goes to :func:`create_campaign`)."""
    await grant_messages(runtime, await user_id(client, headers), messages)
    sender = await link_sender(client, headers)
    return await create_campaign(
        client, runtime, headers, sender_ids=[sender["id"]], recipients=recipients, **campaign
    )


async def campaign_in(
    client: httpx.AsyncClient,
    runtime: Runtime,
    headers: dict[str, str],
    state: CampaignStatus,
    *,
    recipients: int = 2,
) -> dict[str, Any]:
    """A :func:`draft_with_quota` brought to ``state`` as its owner would: started, scheduled an
    hour ahead (READY), paused or cancelled over the API; COMPLETED and FAILED with every
    recipient delivered, as a finished run leaves them."""
    campaign = await draft_with_quota(client, runtime, headers, recipients=recipients)
    url = f"/api/v1/campaigns/{campaign['id']}"
    if state is not CampaignStatus.DRAFT:
        when = {"scheduled_at": (utc_now() + timedelta(hours=1)).isoformat()}
        started = await client.post(
            f"{url}/start", json=when if state is CampaignStatus.READY else None, headers=headers
        )
        assert started.status_code == 200, started.text
    if state in (CampaignStatus.PAUSED, CampaignStatus.CANCELLED):
        action = "pause" if state is CampaignStatus.PAUSED else "cancel"
        assert (await client.post(f"{url}/{action}", headers=headers)).status_code == 200
    elif state in (CampaignStatus.COMPLETED, CampaignStatus.FAILED):
        delivered = [RecipientStatus.DELIVERED] * recipients
        await settle(runtime, campaign["id"], delivered, campaign_status=state)
    view = await campaign_view(client, headers, campaign["id"])
    assert view["status"] == state.value
    return view


async def settle(
    runtime: Runtime,
    campaign_id: int,
    outcomes: Sequence[RecipientStatus],
    *,
    campaign_status: CampaignStatus | None = None,
) -> None:
    """What a run would have left: the first recipients in these states (the rest pending),
    the counters to match, and the campaign in ``campaign_status`` when given."""
    now = utc_now()
    async with transaction(runtime.sessionmaker) as session:
        ids = (
            await session.scalars(
                select(Recipient.id)
                .where(Recipient.campaign_id == campaign_id)
                .order_by(Recipient.id)
            )
        ).all()
        assert len(ids) >= len(outcomes)
        for recipient_id, outcome in zip(ids, outcomes, strict=False):
            failed = outcome is RecipientStatus.FAILED
            await session.execute(
                update(Recipient)
                .where(Recipient.id == recipient_id)
                .values(
                    status=outcome,
                    attempt=1,
                    error="rejected by WhatsApp" if failed else None,
                    sent_at=None if failed else now,
                )
            )
        campaign = await session.get(Campaign, campaign_id)
        assert campaign is not None
        for outcome, count in Counter(outcomes).items():
            if outcome is not RecipientStatus.PENDING:
                setattr(campaign, f"{outcome.value.lower()}_count", count)
        if campaign_status is not None:
            campaign.status = campaign_status
            if campaign_status in FINISHED:
                campaign.completed_at = now


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
