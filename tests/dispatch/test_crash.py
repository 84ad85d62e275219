"""A real `payam worker` killed with SIGKILL again and again: nothing twice, nothing skipped."""

from __future__ import annotations

import asyncio
import random
import signal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from payam.db.session import transaction
from payam.dispatch.repository import CHARGED_STATUSES
from payam.models import Recipient, RecipientStatus, SandboxMessage, Sender
from payam.runtime import Runtime
from tests.campaign_support import (
    campaign_view,
    completed,
    create_campaign,
    grant_messages,
    link_sender,
    start,
    user_id,
)
from tests.dispatch.conftest import counters_match, status_counts, wait_until_settled
from tests.drills.sizes import drill_size
from tests.drills.support import freeze_at, reader_of, sqlite_write_lock_free
from tests.support import (
    accepted_count,
    kill_once_it_sends,
    spawn_worker,
    stop_processes,
    tail,
    wait_for,
    worker_environment,
)

pytestmark = pytest.mark.drill

RECIPIENTS = drill_size(short=1000, full=3000)
KILLS = drill_size(short=4, full=8)


async def test_sigkilled_workers_send_nothing_twice_and_skip_no_one(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], tmp_path: Path
) -> None:
    await grant_messages(runtime, await user_id(client, user), RECIPIENTS * 2)
    sender = await link_sender(client, user, daily_cap=100_000)
    campaign = await create_campaign(
        client, runtime, user, sender_ids=[sender["id"]], recipients=RECIPIENTS
    )
    assert (await start(client, user, campaign["id"])).status_code == 200
    environment = worker_environment(runtime, tmp_path)
    log = tmp_path / "worker.log"
    chance = random.Random()

    for _ in range(KILLS):
        await kill_once_it_sends(
            spawn_worker(environment, log),
            lambda: accepted_count(runtime),
            more_than=chance.randint(5, 120),
            log=log,
        )

    worker = spawn_worker(environment, log)
    try:

        async def settled() -> bool:
            counts = await status_counts(runtime, campaign["id"])
            in_flight = counts.get("PENDING", 0) + counts.get("SENDING", 0)
            view = await campaign_view(client, user, campaign["id"])
            async with transaction(runtime.sessionmaker) as session:
                receipts_due = await session.scalar(
                    select(func.count())
                    .select_from(SandboxMessage)
                    .where(SandboxMessage.delivered_at.is_(None))
                )
            quota = (await client.get("/api/v1/subscriptions/me", headers=user)).json()
            return (
                in_flight == 0
                and view["status"] == "COMPLETED"
                and receipts_due == 0
                and quota["messages_reserved"] == 0
            )

        await wait_until_settled(runtime, campaign["id"], settled, worker=worker, log=log)
    finally:
        await stop_processes([worker], log=log)

    async with transaction(runtime.sessionmaker) as session:
        ledger = {
            row.recipient_phone: row
            for row in (
                await session.execute(
                    select(SandboxMessage.recipient_phone, SandboxMessage.delivered_at)
                )
            ).all()
        }
        accepted_rows = int(
            await session.scalar(select(func.count()).select_from(SandboxMessage)) or 0
        )
        outcome = dict(
            (
                await session.execute(
                    select(Recipient.phone, Recipient.status).where(
                        Recipient.campaign_id == campaign["id"]
                    )
                )
            ).all()
        )
    # Never twice: the simulated WhatsApp accepted each number at most once.
    assert accepted_rows == len(ledger)
    # Never skipped: no one is left pending or in flight; each ended sent or unknown.
    assert len(outcome) == RECIPIENTS
    reached = {RecipientStatus.SENT, RecipientStatus.DELIVERED, RecipientStatus.READ}
    assert set(outcome.values()) <= reached | {RecipientStatus.UNKNOWN}
    # Whoever is shown as reached really was.
    assert all(phone in ledger for phone, status in outcome.items() if status in reached)
    # Quota: every message that went out, or may have (unknown), is charged once; nothing
    # stays set aside once the killed workers' claims are settled.
    quota = (await client.get("/api/v1/subscriptions/me", headers=user)).json()
    assert quota["messages_reserved"] == 0
    assert quota["messages_used"] == len(outcome)
    counts = await status_counts(runtime, campaign["id"])
    assert counters_match(await campaign_view(client, user, campaign["id"]), counts)


async def test_two_worker_processes_on_one_campaign_send_nothing_twice(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], tmp_path: Path
) -> None:
    await grant_messages(runtime, await user_id(client, user), 1000)
    numbers = [
        await link_sender(client, user, phone=f"0990000001{i}", daily_cap=100_000) for i in range(4)
    ]
    campaign = await create_campaign(
        client, runtime, user, sender_ids=[number["id"] for number in numbers], recipients=400
    )
    assert (await start(client, user, campaign["id"])).status_code == 200
    environment = worker_environment(runtime, tmp_path)
    workers = [spawn_worker(environment, tmp_path / f"worker-{i}.log") for i in range(2)]
    try:
        await wait_for(
            lambda: completed(client, user, campaign["id"]),
            within_seconds=120,
            progress=lambda: status_counts(runtime, campaign["id"]),
            workers=workers,
            explain=lambda: status_counts(runtime, campaign["id"]),
            every_seconds=0.2,
        )
    finally:
        await stop_processes(workers)

    async with transaction(runtime.sessionmaker) as session:
        per_phone = dict(
            (
                await session.execute(
                    select(SandboxMessage.recipient_phone, func.count()).group_by(
                        SandboxMessage.recipient_phone
                    )
                )
            ).all()
        )
        owners = set((await session.scalars(select(Recipient.sender_id).distinct())).all())
    assert len(per_phone) == 400
    assert set(per_phone.values()) == {1}
    # The numbers were shared out (each worker takes a few at a time), not one doing it all.
    assert len(owners) >= 2
    counts = await status_counts(runtime, campaign["id"])
    assert counters_match(await campaign_view(client, user, campaign["id"]), counts)


async def test_a_worker_process_frozen_past_its_leases_sends_nothing_twice(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], tmp_path: Path
) -> None:
    """The drill of issue 13, break 1: a worker SIGSTOPped past its claim and sender leases
    until another has taken both and carries on, then let go. Nobody twice, nobody left
    behind, quota equals the charged rows."""
    recipients = drill_size(short=400, full=1000)
    await grant_messages(runtime, await user_id(client, user), recipients * 2)
    sender = await link_sender(client, user, daily_cap=100_000)
    campaign = await create_campaign(
        client, runtime, user, sender_ids=[sender["id"]], recipients=recipients
    )
    assert (await start(client, user, campaign["id"])).status_code == 200
    # Sends of a second, so the freeze catches a batch in flight: claimed, not yet recorded.
    environment = {**worker_environment(runtime, tmp_path), "PAYAM_SANDBOX_LATENCY_MS": "1000"}
    frozen = spawn_worker(environment, tmp_path / "frozen.log")
    other = None
    try:
        async with reader_of(runtime) as reader:

            async def mid_batch() -> bool:
                # Out of a transaction (on SQLite, its write lock would stop everyone), with a
                # batch claimed and not yet recorded.
                sending = select(func.count()).where(
                    Recipient.campaign_id == campaign["id"],
                    Recipient.status == RecipientStatus.SENDING,
                )
                async with reader.connect() as connection:
                    claimed = bool(await connection.scalar(sending))
                return claimed and sqlite_write_lock_free(runtime.settings.database_url)

            await freeze_at(frozen, mid_batch)
        at_freeze = await accepted_count(runtime)
        other = spawn_worker(environment, tmp_path / "other.log")

        # Past both leases (5 s each): the other worker's reconciler takes the frozen claim
        # (UNKNOWN) and the other worker takes the number and sends on it.
        async def taken_over() -> bool:
            unknown = (await status_counts(runtime, campaign["id"])).get("UNKNOWN", 0)
            return bool(unknown) and await accepted_count(runtime) > at_freeze + 1

        await wait_for(
            taken_over,
            within_seconds=120,
            workers=[other],
            explain=lambda: tail(tmp_path / "other.log"),
        )
        frozen.send_signal(signal.SIGCONT)

        async def stuck() -> object:
            number = (await client.get(f"/api/v1/senders/{sender['id']}", headers=user)).json()
            async with transaction(runtime.sessionmaker) as session:
                lease = (
                    await session.execute(
                        select(Sender.lease_owner, Sender.lease_expires_at, Sender.next_send_at)
                    )
                ).all()
            return await status_counts(runtime, campaign["id"]), number, lease

        await wait_for(
            lambda: completed(client, user, campaign["id"]),
            within_seconds=120,
            progress=lambda: status_counts(runtime, campaign["id"]),
            workers=[other],
            explain=stuck,
            every_seconds=0.2,
        )
        await asyncio.sleep(1)  # whatever the woken worker still writes, it writes now
    finally:
        await stop_processes(worker for worker in (frozen, other) if worker is not None)

    async with transaction(runtime.sessionmaker) as session:
        per_phone = dict(
            (
                await session.execute(
                    select(SandboxMessage.recipient_phone, func.count()).group_by(
                        SandboxMessage.recipient_phone
                    )
                )
            ).all()
        )
        charged = int(
            await session.scalar(
                select(func.count())
                .select_from(Recipient)
                .where(Recipient.status.in_(CHARGED_STATUSES))
            )
            or 0
        )
    assert set(per_phone.values()) == {1}  # never twice
    counts = await status_counts(runtime, campaign["id"])
    assert counts.get("PENDING", 0) == counts.get("SENDING", 0) == 0  # nobody left behind
    assert sum(counts.values()) == recipients
    assert counters_match(await campaign_view(client, user, campaign["id"]), counts)
    quota = (await client.get("/api/v1/subscriptions/me", headers=user)).json()
    assert quota["messages_reserved"] == 0
    assert quota["messages_used"] == charged
    # The woken worker found its claim taken, and said so instead of writing.
    assert "claim_lost" in (tmp_path / "frozen.log").read_text()
