"""A number's interval holds whatever fails after a send (issue 13, break 2).

The database goes away right after a send, so recording its outcome fails every time the
worker tries. The next send on that number must still come no sooner than the interval after
the one that may have happened, and the daily count must include it.
"""

from __future__ import annotations

import asyncio
from itertools import pairwise

import httpx
from sqlalchemy import select

from payam.config import Settings
from payam.db.session import transaction
from payam.dispatch.engine import RECORD_ATTEMPTS, Dispatcher
from payam.models import SandboxMessage
from payam.runtime import Runtime
from tests.campaign_support import campaign_view, run_until
from tests.dispatch.conftest import (
    StatementFault,
    accepted_per_phone,
    counters_match,
    database_refuses,
    started_campaign,
    status_counts,
)
from tests.support import wait_for

INTERVAL = 1


def records_a_send(statement: str) -> bool:
    """The UPDATE that moves recipients to SENT (only it sets provider_message_id)."""
    return statement.startswith("UPDATE recipients") and "provider_message_id" in statement


async def test_a_send_whose_record_failed_still_spaces_the_next_and_is_counted(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], settings: Settings
) -> None:
    runtime.settings = settings.model_copy(update={"claim_lease_seconds": 5})
    worker = Dispatcher(runtime, worker_id="unlucky")
    sender, _campaign = await started_campaign(
        client, runtime, user, messages=100, recipients=2, interval=INTERVAL
    )

    async def both_sent() -> bool:
        return len(await accepted_per_phone(runtime)) == 2

    fault = StatementFault(records_a_send, times=RECORD_ATTEMPTS)
    try:
        with database_refuses(runtime.engine, fault):
            await run_until(worker, both_sent, within_seconds=30)
            await worker.wait_idle()
    finally:
        await worker.shutdown()

    # Every try to record the first send failed.
    assert fault.refused == RECORD_ATTEMPTS
    async with transaction(runtime.sessionmaker) as session:
        moments = sorted((await session.scalars(select(SandboxMessage.accepted_at))).all())
    [gap] = [(later - earlier).total_seconds() for earlier, later in pairwise(moments)]
    assert gap >= INTERVAL
    number = (await client.get(f"/api/v1/senders/{sender['id']}", headers=user)).json()
    assert number["sent_today"] == 2


async def test_the_database_gone_for_two_seconds_mid_campaign_breaks_no_promise(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], settings: Settings
) -> None:
    recipients = 6
    runtime.settings = settings.model_copy(update={"claim_lease_seconds": 5})
    worker = Dispatcher(runtime, worker_id="weathering")
    _sender, campaign = await started_campaign(
        client, runtime, user, messages=100, recipients=recipients, interval=INTERVAL
    )
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:

        async def sending() -> bool:
            return len(await accepted_per_phone(runtime)) >= 2

        await wait_for(sending, explain="the worker made no progress")
        # Every statement of every transaction fails for two seconds, sends and records alike.
        with database_refuses(runtime.engine, StatementFault(lambda _statement: True)):
            await asyncio.sleep(2)

        async def completed() -> bool:
            view = await campaign_view(client, user, campaign["id"])
            quota = (await client.get("/api/v1/subscriptions/me", headers=user)).json()
            return bool(view["status"] == "COMPLETED" and quota["messages_reserved"] == 0)

        await wait_for(
            completed,
            progress=lambda: status_counts(runtime, campaign["id"]),
            explain=lambda: status_counts(runtime, campaign["id"]),
            every_seconds=0.2,
        )
    finally:
        stop.set()
        await running

    per_phone = await accepted_per_phone(runtime)
    assert set(per_phone.values()) == {1}  # never twice
    counts = await status_counts(runtime, campaign["id"])
    assert sum(counts.values()) == recipients
    assert counts.get("PENDING", 0) == counts.get("SENDING", 0) == 0
    assert counters_match(await campaign_view(client, user, campaign["id"]), counts)
    async with transaction(runtime.sessionmaker) as session:
        moments = sorted((await session.scalars(select(SandboxMessage.accepted_at))).all())
    assert min((b - a).total_seconds() for a, b in pairwise(moments)) >= INTERVAL
    quota = (await client.get("/api/v1/subscriptions/me", headers=user)).json()
    charged = sum(counts.get(status, 0) for status in ("SENT", "DELIVERED", "READ", "UNKNOWN"))
    assert quota["messages_used"] == charged
