"""Receipts are acknowledged to the transport only once recorded (issue 13, break 3).

A worker that took receipts and died before its transaction committed leaves them with the
transport, which hands them out again to the next worker holding the number.
"""

from __future__ import annotations

import httpx
from sqlalchemy import select

from payam.config import Settings
from payam.db.session import transaction
from payam.dispatch.engine import Dispatcher
from payam.models import SandboxMessage
from payam.runtime import Runtime
from tests.campaign_support import run_until
from tests.dispatch.conftest import (
    StatementFault,
    database_refuses,
    started_campaign,
    status_counts,
)

RECIPIENTS = 3


def records_a_delivery(statement: str) -> bool:
    return statement.startswith("UPDATE recipients") and "delivered_at" in statement


async def test_receipts_a_worker_took_but_never_recorded_come_to_the_next(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], settings: Settings
) -> None:
    # Deliveries come at once, reads not within the test (a read would also settle the row).
    runtime.settings = settings.model_copy(
        update={"sandbox_delivery_seconds": 0.0, "sandbox_read_seconds": 3600}
    )
    _sender, campaign = await started_campaign(
        client, runtime, user, messages=100, recipients=RECIPIENTS
    )
    doomed = Dispatcher(runtime, worker_id="doomed")
    fault = StatementFault(records_a_delivery)

    async def sent_and_holding_receipts() -> bool:
        counts = await status_counts(runtime, campaign["id"])
        return counts == {"SENT": RECIPIENTS} and fault.refused >= 2

    try:
        with database_refuses(runtime.engine, fault):
            # It records its sends, takes the receipts, and cannot record them.
            await run_until(doomed, sent_and_holding_receipts)
    finally:
        await doomed.shutdown()  # it dies holding them

    async with transaction(runtime.sessionmaker) as session:
        delivered = (await session.scalars(select(SandboxMessage.delivered_at))).all()
    assert len(delivered) == RECIPIENTS
    assert all(at is None for at in delivered)  # not acknowledged to the transport

    survivor = Dispatcher(runtime, worker_id="survivor")

    async def acknowledged() -> bool:
        async with transaction(runtime.sessionmaker) as session:
            delivered = (await session.scalars(select(SandboxMessage.delivered_at))).all()
        return all(at is not None for at in delivered)

    async def delivered_and_acknowledged() -> bool:
        counts = await status_counts(runtime, campaign["id"])
        return counts == {"DELIVERED": RECIPIENTS} and await acknowledged()

    try:
        # Recorded by the survivor, then (only then) acknowledged to the transport.
        await run_until(survivor, delivered_and_acknowledged)
    finally:
        await survivor.shutdown()
