"""A claim's lease runs out while its worker is still alive (issue 13, break 1).

The worker is frozen past its lease (SIGSTOP, a stalled event loop), or its send is slower than
the lease. The reconciler takes the claim: its recipients become UNKNOWN and its quota is charged.
When the worker wakes, nothing it writes may change that: no one is charged twice, no one goes
back to PENDING in a finished campaign, no send is recorded against the claim it lost, and no
send starts after the lease it no longer holds.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from payam.config import Settings
from payam.db.session import transaction
from payam.dispatch.engine import Dispatcher, Sent
from payam.dispatch.reconciler import reconcile
from payam.dispatch.repository import CHARGED_STATUSES
from payam.kit.clock import utc_now
from payam.models import Campaign, Recipient, SandboxMessage
from payam.observability.metrics import CLAIMS_LOST
from payam.providers.registry import sandbox_provider
from payam.runtime import Runtime
from tests.campaign_support import (
    campaign_view,
    create_campaign,
    grant_messages,
    link_sender,
    run_until,
    start,
    user_id,
)
from tests.dispatch.conftest import counters_match, started_campaign, status_counts

RECIPIENTS = 3


async def charged_rows(runtime: Runtime, campaign_id: int) -> int:
    async with transaction(runtime.sessionmaker) as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(Recipient)
                .where(
                    Recipient.campaign_id == campaign_id,
                    Recipient.status.in_(CHARGED_STATUSES),
                )
            )
            or 0
        )


async def ledger_rows(runtime: Runtime) -> int:
    async with transaction(runtime.sessionmaker) as session:
        return int(await session.scalar(select(func.count()).select_from(SandboxMessage)) or 0)


async def freeze_past_the_lease(runtime: Runtime) -> None:
    """What the rest of the world sees while a worker is frozen: its leases run out and the
    reconciler (another worker's) takes its claims."""
    async with transaction(runtime.sessionmaker) as session:
        await session.execute(
            update(Recipient).values(lease_expires_at=utc_now() - timedelta(seconds=1))
        )
    await reconcile(runtime, now=utc_now())


async def assert_charged_once_and_settled(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], campaign_id: int
) -> dict[str, Any]:
    counts = await status_counts(runtime, campaign_id)
    view = await campaign_view(client, user, campaign_id)
    quota = (await client.get("/api/v1/subscriptions/me", headers=user)).json()
    assert counters_match(view, counts)
    assert quota["messages_reserved"] == 0
    assert quota["messages_used"] == await charged_rows(runtime, campaign_id)
    if view["status"] == "COMPLETED":
        assert counts.get("PENDING", 0) == 0
        assert counts.get("SENDING", 0) == 0
    return counts


@pytest.mark.parametrize("before_freezing", ["sent", "refused", "nothing"])
async def test_a_worker_frozen_past_its_lease_writes_nothing_when_it_wakes(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    settings: Settings,
    before_freezing: str,
) -> None:
    runtime.settings = settings.model_copy(
        update={
            # No receipt within the test: what the rows show is what the engine wrote.
            "sandbox_delivery_seconds": 3600,
            "sandbox_failure_rate": 1.0 if before_freezing == "refused" else 0.0,
        }
    )
    worker = Dispatcher(runtime, worker_id="frozen")
    try:
        await grant_messages(runtime, await user_id(client, user), 100)
        sender = await link_sender(client, user)
        campaign = await create_campaign(
            client, runtime, user, sender_ids=[sender["id"]], recipients=RECIPIENTS
        )
        await worker.run_once()  # lease and connect the number without a turn of its own
        assert (await start(client, user, campaign["id"])).status_code == 200
        [claim] = await worker._claim([sender["id"]])
        connection = await worker._session_for(sender["id"])
        if before_freezing == "nothing":
            # Frozen between the claim and the send: it wakes past its claim's deadline.
            await freeze_past_the_lease(runtime)
            claim = dataclasses.replace(claim, deadline=time.monotonic() - 1)
            outcomes = await worker._send(claim, connection)
        else:
            # Frozen between the send and the record.
            outcomes = await worker._send(claim, connection)
            await freeze_past_the_lease(runtime)
        assert await status_counts(runtime, campaign["id"]) == {"UNKNOWN": RECIPIENTS}
        assert (await campaign_view(client, user, campaign["id"]))["status"] == "COMPLETED"
        lost_before = CLAIMS_LOST._value.get()

        await worker._record_with_retries([Sent(claim, outcomes, answered_at=utc_now())])
    finally:
        await worker.shutdown()

    # The late outcome changed nothing: still UNKNOWN (not SENT, not back to PENDING).
    counts = await assert_charged_once_and_settled(client, runtime, user, campaign["id"])
    assert counts == {"UNKNOWN": RECIPIENTS}
    async with transaction(runtime.sessionmaker) as session:
        stamped = await session.scalar(
            select(func.count()).select_from(Recipient).where(Recipient.sent_at.is_not(None))
        )
    assert stamped == 0
    assert CLAIMS_LOST._value.get() == lost_before + 1
    # A send that really went out is the sandbox's to tell (a receipt settles it); one that was
    # due after the lease never started.
    assert await ledger_rows(runtime) == (RECIPIENTS if before_freezing == "sent" else 0)


async def test_a_send_slower_than_the_lease_is_cut_off_and_recorded_unknown_in_time(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], settings: Settings
) -> None:
    lease = 5
    runtime.settings = settings.model_copy(
        update={"claim_lease_seconds": lease, "sandbox_delivery_seconds": 3600}
    )
    worker = Dispatcher(runtime, worker_id="slow")
    _sender, campaign = await started_campaign(
        client, runtime, user, messages=100, recipients=RECIPIENTS
    )
    # Linked: from now on WhatsApp answers after twice the lease.
    sandbox = sandbox_provider(runtime)
    sandbox.settings = sandbox.settings.model_copy(update={"sandbox_latency_ms": 2 * lease * 1000})
    lost_before = CLAIMS_LOST._value.get()

    async def completed() -> bool:
        return bool((await campaign_view(client, user, campaign["id"]))["status"] == "COMPLETED")

    try:
        # The presence check before the claim waits out the same slow answer (2 × lease) first;
        # the bound only guards against a hang (what is in time is asserted below).
        await run_until(worker, completed, within_seconds=5 * lease)
        await worker.wait_idle()
    finally:
        await worker.shutdown()

    counts = await assert_charged_once_and_settled(client, runtime, user, campaign["id"])
    # The worker gave up waiting before its lease ran out and recorded the sends UNKNOWN itself.
    assert counts == {"UNKNOWN": RECIPIENTS}
    assert CLAIMS_LOST._value.get() == lost_before
    async with transaction(runtime.sessionmaker) as session:
        completed_at = await session.scalar(
            select(Campaign.completed_at).where(Campaign.id == campaign["id"])
        )
        last_claimed = await session.scalar(select(func.max(Recipient.claimed_at)))
    assert completed_at is not None
    assert last_claimed is not None
    assert (completed_at - last_claimed).total_seconds() < lease
    # The sends were abandoned, not left to land after the campaign completed.
    assert await ledger_rows(runtime) == 0
