"""The dispatch path per worker process, beside a raw loop of the same SQL, in one run.

Run: ``.venv/bin/python bench/dispatch_bench.py [--database-url URL] [--messages 20000]``.
The database (default a temporary SQLite file; PostgreSQL and MariaDB are what the target is
about: ``postgresql+asyncpg://postgres@127.0.0.1:5432/payam_bench``) is emptied and migrated.

- **engine**: the real ``Dispatcher`` (sender leases, claims with quota reservations, rendering,
  sends to the zero-latency sandbox which commits its own ledger rows, outcome recording with
  counters, pacing and completion) on one campaign sent through ``--senders`` numbers at
  interval 0, until the campaign completes;
- **raw**: the same claim and record statements in a bare loop (select PENDING rows FOR UPDATE
  SKIP LOCKED, mark them SENDING, commit; mark them SENT with the counters, commit), in batches
  of the same size, with no rendering, no provider, no quota and no pacing.

The target (DESIGN.md §7) is 2,000 messages/s per worker on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, bindparam, insert, select, update
from sqlalchemy.engine import Connection

from payam.billing.subscriptions import SubscriptionService
from payam.config import Settings
from payam.db.engine import create_engine
from payam.db.migrate import upgrade_to_head
from payam.db.session import transaction
from payam.dispatch.engine import MAX_BATCH, Dispatcher
from payam.dispatch.repository import RECIPIENTS
from payam.models import (
    Campaign,
    CampaignSender,
    CampaignStatus,
    GrantSource,
    Package,
    ProviderName,
    Recipient,
    RecipientStatus,
    Sender,
    SenderStatus,
    User,
)
from payam.runtime import Runtime


def _drop_everything(connection: Connection) -> None:
    existing = MetaData()
    existing.reflect(connection)
    existing.drop_all(connection)


async def prepare(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    async with engine.begin() as connection:
        await connection.run_sync(_drop_everything)
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: upgrade_to_head(settings, connection=sync))
    await engine.dispose()


async def seed(runtime: Runtime, *, messages: int, senders: int, offset: int) -> int:
    """A user with quota, ``senders`` sandbox numbers, one running campaign of ``messages``."""
    async with transaction(runtime.sessionmaker) as session:
        user = await session.scalar(select(User).where(User.username == "bench"))
        if user is None:
            user = User(
                name="Bench",
                username="bench",
                email="bench@example.com",
                phone="+989120000099",
                password_hash="-",
            )
            session.add(user)
            package = Package(
                title="bench", price=Decimal(0), duration_days=30, message_limit=10_000_000
            )
            session.add(package)
            await session.flush()
            await SubscriptionService(session).extend(user, package, source=GrantSource.ADMIN)
        campaign = Campaign(
            user_id=user.id,
            title="bench",
            message="سلام {{name|دوست}}، {تخفیف|حراج} امروز!",
            interval_seconds=0,
            status=CampaignStatus.RUNNING,
            total_recipients=messages,
        )
        session.add(campaign)
        await session.flush()
        for index in range(senders):
            sender = Sender(
                user_id=user.id,
                provider=ProviderName.SANDBOX,
                display_name=f"n{index}",
                phone=f"+98990{offset + index:07d}",
                status=SenderStatus.CONNECTED,
                provider_config={},
                daily_cap=10_000_000,
            )
            session.add(sender)
            await session.flush()
            session.add(CampaignSender(campaign_id=campaign.id, sender_id=sender.id))
        await session.execute(
            insert(Recipient),
            [
                {
                    "campaign_id": campaign.id,
                    "phone": f"+98912{offset + i:07d}",
                    "name": f"Customer {i}",
                    "variables": {},
                    "status": RecipientStatus.PENDING,
                    "attempt": 0,
                }
                for i in range(messages)
            ],
        )
        return campaign.id


async def run_engine(runtime: Runtime, campaign_id: int) -> float:
    dispatcher = Dispatcher(runtime, worker_id="bench")
    began = time.perf_counter()
    while True:
        await dispatcher.run_once()
        await asyncio.sleep(0)
        async with transaction(runtime.sessionmaker) as session:
            status = await session.scalar(select(Campaign.status).where(Campaign.id == campaign_id))
        if status is CampaignStatus.COMPLETED:
            break
        await dispatcher.wait_idle()
    elapsed = time.perf_counter() - began
    await dispatcher.shutdown()
    return elapsed


async def run_raw(runtime: Runtime, campaign_id: int, *, batch: int = MAX_BATCH) -> float:
    began = time.perf_counter()
    while True:
        async with transaction(runtime.sessionmaker) as session:
            ids = (
                await session.scalars(
                    select(Recipient.id)
                    .where(
                        Recipient.campaign_id == campaign_id,
                        Recipient.status == RecipientStatus.PENDING,
                    )
                    .order_by(Recipient.id)
                    .limit(batch)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not ids:
                break
            await session.execute(
                update(RECIPIENTS)
                .where(RECIPIENTS.c.id == bindparam("row_id"))
                .values(status=RecipientStatus.SENDING),
                [{"row_id": row_id} for row_id in ids],
            )
        async with transaction(runtime.sessionmaker) as session:
            await session.execute(
                update(RECIPIENTS)
                .where(RECIPIENTS.c.id == bindparam("row_id"))
                .values(status=RecipientStatus.SENT),
                [{"row_id": row_id} for row_id in ids],
            )
            await session.execute(
                update(Campaign)
                .where(Campaign.id == campaign_id)
                .values(sent_count=Campaign.sent_count + len(ids))
            )
    return time.perf_counter() - began


def sandbox_settings(database_url: str, **overrides: Any) -> Settings:
    """A worker sending to the zero-latency sandbox without jitter, receipts kept out."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "secret_key": "bench-secret-key-long-enough-for-hs256",
        "allowed_intervals": [0],
        "pacing_jitter_ratio": 0,
        "sandbox_latency_ms": 0,
        "sandbox_not_on_whatsapp_rate": 0,
        "sandbox_reply_rate": 0,
        # Receipts are another path; keep them out of this measurement.
        "sandbox_delivery_seconds": 3600,
        "sandbox_read_seconds": 7200,
        "dispatch_poll_seconds": 0.01,
        "reconcile_seconds": 60,
        "embedded_worker": False,
    }
    return Settings(_env_file=None, **(values | overrides))


async def main(database_url: str, *, messages: int, senders: int) -> None:
    settings = sandbox_settings(database_url)
    await prepare(settings)
    runtime = Runtime.create(settings)
    try:
        engine_campaign = await seed(runtime, messages=messages, senders=senders, offset=0)
        engine_cpu = time.process_time()
        engine_seconds = await run_engine(runtime, engine_campaign)
        engine_cpu = time.process_time() - engine_cpu
        raw_campaign = await seed(runtime, messages=messages, senders=1, offset=messages)
        raw_cpu = time.process_time()
        raw_seconds = await run_raw(runtime, raw_campaign)
        raw_cpu = time.process_time() - raw_cpu
    finally:
        await runtime.close()
    engine_rate = messages / engine_seconds
    raw_rate = messages / raw_seconds
    backend = database_url.split(":", 1)[0]
    print(f"database: {backend}; messages: {messages}; senders: {senders}; batch: {MAX_BATCH}")
    # CPU per message (this process only, not the database's) moves less with the machine's load.
    print(
        f"engine: {engine_rate:8.0f} messages/s ({engine_seconds:.2f} s), "
        f"CPU {1e6 * engine_cpu / messages:.0f} µs/message"
    )
    print(
        f"raw:    {raw_rate:8.0f} messages/s ({raw_seconds:.2f} s), "
        f"CPU {1e6 * raw_cpu / messages:.0f} µs/message"
    )
    print(f"engine / raw: {engine_rate / raw_rate:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--senders", type=int, default=10)
    arguments = parser.parse_args()
    url = arguments.database_url
    if url is None:
        url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    asyncio.run(main(url, messages=arguments.messages, senders=arguments.senders))
