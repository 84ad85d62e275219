"""A real `payam worker` killed with SIGKILL again and again: nothing twice, nothing skipped."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
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
    create_campaign,
    grant_messages,
    link_sender,
    start,
    user_id,
)
from tests.dispatch.conftest import counters_match, status_counts
from tests.drills.sizes import drill_size
from tests.support import spawn_worker

pytestmark = pytest.mark.drill

RECIPIENTS = drill_size(short=1000, full=3000)
KILLS = drill_size(short=4, full=8)


def worker_environment(runtime: Runtime, data_dir: Path) -> dict[str, str]:
    settings = runtime.settings
    return {
        **os.environ,
        "PAYAM_DATABASE_URL": settings.database_url,
        "PAYAM_DATA_DIR": str(data_dir),
        "PAYAM_SECRET_KEY": "crash-test-secret-key-long-enough-to-sign",
        "PAYAM_ALLOWED_INTERVALS": "0,5,10,20",
        "PAYAM_PACING_JITTER_RATIO": "0",
        "PAYAM_SANDBOX_LATENCY_MS": "3",
        "PAYAM_SANDBOX_NOT_ON_WHATSAPP_RATE": "0",
        "PAYAM_SANDBOX_REPLY_RATE": "0",
        "PAYAM_SANDBOX_DELIVERY_SECONDS": "0.5",
        "PAYAM_SANDBOX_READ_SECONDS": "3600",
        # Short leases so a killed worker's claims and numbers move on within the test.
        "PAYAM_CLAIM_LEASE_SECONDS": "5",
        "PAYAM_SENDER_LEASE_SECONDS": "5",
        # A worker frozen inside a transaction lets go of its locks as soon (PostgreSQL).
        "PAYAM_DATABASE_IDLE_TRANSACTION_TIMEOUT_SECONDS": "5",
        "PAYAM_RECONCILE_SECONDS": "0.5",
        "PAYAM_DISPATCH_POLL_SECONDS": "0.05",
    }


async def accepted_count(runtime: Runtime) -> int:
    async with transaction(runtime.sessionmaker) as session:
        return int(await session.scalar(select(func.count()).select_from(SandboxMessage)) or 0)


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
        before = await accepted_count(runtime)
        worker = spawn_worker(environment, log)
        # Kill it somewhere in the middle of its work: once it has sent something more.
        deadline = time.monotonic() + 120  # a loaded machine starts a worker slowly
        while await accepted_count(runtime) <= before + chance.randint(5, 120):
            assert worker.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the worker made no progress"
            await asyncio.sleep(chance.uniform(0.0, 0.05))
        worker.send_signal(signal.SIGKILL)
        worker.wait()

    worker = spawn_worker(environment, log)
    try:
        deadline = time.monotonic() + 120

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

        while not await settled():
            assert worker.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, await status_counts(runtime, campaign["id"])
            await asyncio.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=30)

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
        deadline = time.monotonic() + 120
        while (await campaign_view(client, user, campaign["id"]))["status"] != "COMPLETED":
            assert all(worker.poll() is None for worker in workers)
            assert time.monotonic() < deadline, await status_counts(runtime, campaign["id"])
            await asyncio.sleep(0.2)
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=30)

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
        deadline = time.monotonic() + 120
        while (await status_counts(runtime, campaign["id"])).get("SENDING", 0) == 0:
            assert frozen.poll() is None, (tmp_path / "frozen.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the worker made no progress"
            await asyncio.sleep(0.01)
        frozen.send_signal(signal.SIGSTOP)
        at_freeze = await accepted_count(runtime)
        other = spawn_worker(environment, tmp_path / "other.log")
        # Past both leases (5 s each): the other worker's reconciler takes the frozen claim
        # (UNKNOWN) and the other worker takes the number and sends on it.
        deadline = time.monotonic() + 120
        while not (
            (await status_counts(runtime, campaign["id"])).get("UNKNOWN", 0)
            and await accepted_count(runtime) > at_freeze + 1
        ):
            assert other.poll() is None, (tmp_path / "other.log").read_text()[-3000:]
            assert time.monotonic() < deadline, await status_counts(runtime, campaign["id"])
            await asyncio.sleep(0.1)
        frozen.send_signal(signal.SIGCONT)

        deadline = time.monotonic() + 120
        while (await campaign_view(client, user, campaign["id"]))["status"] != "COMPLETED":
            assert other.poll() is None, (tmp_path / "other.log").read_text()[-3000:]
            if time.monotonic() > deadline:
                number = (await client.get(f"/api/v1/senders/{sender['id']}", headers=user)).json()
                async with transaction(runtime.sessionmaker) as session:
                    lease = (
                        await session.execute(
                            select(Sender.lease_owner, Sender.lease_expires_at, Sender.next_send_at)
                        )
                    ).all()
                raise AssertionError((await status_counts(runtime, campaign["id"]), number, lease))
            await asyncio.sleep(0.2)
        await asyncio.sleep(1)  # whatever the woken worker still writes, it writes now
    finally:
        frozen.send_signal(signal.SIGCONT)
        for worker in (frozen, other):
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=30)

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
