"""Paced numbers per worker: N numbers at 5 s each, one worker process, for a fixed time.

Run: ``.venv/bin/python bench/paced_bench.py [--database-url URL] --numbers 1000 [--seconds 30]``.
The database (default a temporary SQLite file) is emptied and migrated, as in
``dispatch_bench.py``.

Each of ``--numbers`` sandbox numbers (zero latency, receipts kept out) sends its own campaign at
interval 5 s without jitter, the numbers shared out over users of 100 numbers each. Their first
moments are spread evenly over one interval after a warm-up in which the worker leases and
connects them all, so the load is the steady one: numbers / 5 messages a second. The real
``Dispatcher.run`` loop drives them in this process, which is the worker; then, in the same run:

- **lateness** of each turn, from the sandbox's ledger (when each send reached "WhatsApp"): a
  number's first send against its seeded moment, every later one against the previous send plus
  the interval, and a turn due but not taken by the end against the end (so a starved number
  counts); p50, p99 and the worst;
- **minimum gap** between two sends of one number (never under the interval: the promise);
- **CPU per message**: the worker process's CPU time over the window, per send;
- **raw**: the engine's claim and record statements in a bare loop, one message per turn (the
  same SQL as ``dispatch_bench.py``'s raw loop at batch 1), CPU per message and messages/s.

The target (issue 13, item 4): 10,000 numbers (2,000 messages/s) with p99 lateness under 250 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

from dispatch_bench import prepare, run_raw, sandbox_settings, seed
from sqlalchemy import insert, select

from payam.billing.subscriptions import SubscriptionService
from payam.db.session import transaction
from payam.dispatch.engine import Dispatcher
from payam.kit.clock import utc_now
from payam.kit.heap import freeze_startup_objects
from payam.models import (
    Campaign,
    CampaignSender,
    CampaignStatus,
    GrantSource,
    Package,
    ProviderName,
    Recipient,
    RecipientStatus,
    SandboxMessage,
    Sender,
    SenderStatus,
    User,
)
from payam.runtime import Runtime

INTERVAL_SECONDS = 5
NUMBERS_PER_USER = 100
RAW_MESSAGES = 500


async def seed_paced(
    runtime: Runtime, *, numbers: int, sends_each: int, first_at: datetime
) -> dict[str, datetime]:
    """``numbers`` sandbox numbers, each with a running campaign of ``sends_each`` recipients,
    first due one after another over one interval from ``first_at``; returns phone → that
    moment."""
    firsts: dict[str, datetime] = {}
    async with transaction(runtime.sessionmaker) as session:
        package = Package(
            title="paced", price=Decimal(0), duration_days=30, message_limit=10_000_000
        )
        session.add(package)
        for first in range(0, numbers, NUMBERS_PER_USER):
            user = User(
                name=f"Paced {first}",
                username=f"paced{first}",
                email=f"paced{first}@example.com",
                phone=f"+98912{first:07d}",
                password_hash="-",
            )
            session.add(user)
            await session.flush()
            await SubscriptionService(session).extend(user, package, source=GrantSource.ADMIN)
            count = min(NUMBERS_PER_USER, numbers - first)
            phones = [f"+98990{first + index:07d}" for index in range(count)]
            for index, phone in enumerate(phones):
                firsts[phone] = first_at + timedelta(
                    seconds=INTERVAL_SECONDS * (first + index) / numbers
                )
            sender_ids = (
                await session.scalars(
                    insert(Sender).returning(Sender.id, sort_by_parameter_order=True),
                    [
                        {
                            "user_id": user.id,
                            "provider": ProviderName.SANDBOX,
                            "display_name": phone,
                            "phone": phone,
                            "status": SenderStatus.CONNECTED,
                            "provider_config": {},
                            "daily_cap": 10_000_000,
                            "next_send_at": firsts[phone],
                        }
                        for phone in phones
                    ],
                )
            ).all()
            campaign_ids = (
                await session.scalars(
                    insert(Campaign).returning(Campaign.id, sort_by_parameter_order=True),
                    [
                        {
                            "user_id": user.id,
                            "title": f"paced {phone}",
                            "message": "سلام {{name|دوست}}، {تخفیف|حراج} امروز!",
                            "interval_seconds": INTERVAL_SECONDS,
                            "status": CampaignStatus.RUNNING,
                            "total_recipients": sends_each,
                        }
                        for phone in phones
                    ],
                )
            ).all()
            await session.execute(
                insert(CampaignSender),
                [
                    {"campaign_id": campaign_id, "sender_id": sender_id}
                    for campaign_id, sender_id in zip(campaign_ids, sender_ids, strict=True)
                ],
            )
            await session.execute(
                insert(Recipient),
                [
                    {
                        "campaign_id": campaign_id,
                        "phone": f"+98913{(first + number) * sends_each + index:07d}",
                        "name": f"Customer {index}",
                        "variables": {},
                        "status": RecipientStatus.PENDING,
                        "attempt": 0,
                    }
                    for number, campaign_id in enumerate(campaign_ids)
                    for index in range(sends_each)
                ],
            )
    return firsts


async def run_paced(
    runtime: Runtime, *, start: datetime, end: datetime, freeze: bool
) -> tuple[float, list[float]]:
    """The worker's real loop (leasing and connecting every number before ``start``) until
    ``end``; returns the CPU seconds this process spent from ``start`` to ``end``, and how long
    each full garbage collection meanwhile stopped the loop."""
    if freeze:
        freeze_startup_objects()  # as ``payam worker`` does before its loop
    pauses: list[float] = []
    began = [0.0]

    def timed(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
        elif info["generation"] == 2 and start <= utc_now() <= end:
            pauses.append(time.perf_counter() - began[0])

    gc.callbacks.append(timed)
    stop = asyncio.Event()
    dispatcher = Dispatcher(runtime, worker_id="paced", take_senders_per_tick=1_000_000)
    running = asyncio.create_task(dispatcher.run(stop))
    try:
        await _sleep_until(start)
        cpu = time.process_time()
        await _sleep_until(end)
        cpu = time.process_time() - cpu
        stop.set()
        await running
    finally:
        gc.callbacks.remove(timed)
    return cpu, pauses


async def _sleep_until(moment: datetime) -> None:
    await asyncio.sleep(max(0.0, (moment - utc_now()).total_seconds()))


def lateness_of(
    sends: dict[str, list[datetime]],
    firsts: dict[str, datetime],
    *,
    window_end: datetime,
) -> tuple[list[float], float]:
    """Every turn's lateness in seconds and the smallest gap between two sends of a number."""
    lateness: list[float] = []
    smallest_gap = float("inf")
    for phone, first in firsts.items():
        due = first
        times = sorted(sends.get(phone, []))
        for moment in times:
            lateness.append((moment - due).total_seconds())
            due = moment + timedelta(seconds=INTERVAL_SECONDS)
        for earlier, later in pairwise(times):
            smallest_gap = min(smallest_gap, (later - earlier).total_seconds())
        if due < window_end:
            lateness.append((window_end - due).total_seconds())  # due, never taken
    return lateness, smallest_gap


async def main(
    database_url: str, *, numbers: int, seconds: float, warmup: float, freeze: bool
) -> None:
    settings = sandbox_settings(
        database_url,
        allowed_intervals=[0, INTERVAL_SECONDS],
        dispatch_poll_seconds=0.5,
        reconcile_seconds=5,
    )
    await prepare(settings)
    runtime = Runtime.create(settings)
    sends_each = int(seconds / INTERVAL_SECONDS) + 3
    try:
        seeded = time.perf_counter()
        first_at = utc_now() + timedelta(seconds=warmup + numbers / 2_000)
        firsts = await seed_paced(
            runtime, numbers=numbers, sends_each=sends_each, first_at=first_at
        )
        first_at = min(firsts.values())
        window_end = first_at + timedelta(seconds=seconds)
        print(f"seeded {numbers} numbers in {time.perf_counter() - seeded:.1f} s")
        cpu, pauses = await run_paced(runtime, start=first_at, end=window_end, freeze=freeze)
        async with transaction(runtime.sessionmaker) as session:
            rows = (
                await session.execute(
                    select(SandboxMessage.sender_phone, SandboxMessage.accepted_at).where(
                        SandboxMessage.accepted_at <= window_end
                    )
                )
            ).all()
        sends: dict[str, list[datetime]] = defaultdict(list)
        for phone, accepted_at in rows:
            sends[phone].append(_aware(accepted_at))
        lateness, smallest_gap = lateness_of(sends, firsts, window_end=window_end)
        raw_campaign = await seed(runtime, messages=RAW_MESSAGES, senders=1, offset=9_000_000)
        raw_cpu = time.process_time()
        raw_seconds = await run_raw(runtime, raw_campaign, batch=1)
        raw_cpu = time.process_time() - raw_cpu
    finally:
        await runtime.close()
    sent = len(rows)
    cpu_ms = 1000 * cpu / max(1, sent)
    quantiles = statistics.quantiles(lateness, n=100) if len(lateness) > 1 else [0.0] * 99
    backend = database_url.split(":", 1)[0]
    print(f"database: {backend}; numbers: {numbers} at {INTERVAL_SECONDS} s; window: {seconds} s")
    print(
        f"sent: {sent} ({sent / seconds:.0f} messages/s; target {numbers / INTERVAL_SECONDS:.0f}/s)"
    )
    print(
        f"lateness: p50 {1000 * quantiles[49]:.0f} ms, p99 {1000 * quantiles[98]:.0f} ms, "
        f"worst {1000 * max(lateness, default=0):.0f} ms over {len(lateness)} turns"
    )
    print(f"smallest gap between two sends of a number: {smallest_gap:.3f} s")
    print(f"engine CPU per message: {cpu_ms:.2f} ms")
    print(
        f"full garbage collections in the window{'' if freeze else ' (nothing frozen)'}: "
        f"{len(pauses)}, longest {1000 * max(pauses, default=0):.0f} ms, "
        f"together {1000 * sum(pauses):.0f} ms"
    )
    print(
        f"raw (batch 1): CPU per message {1000 * raw_cpu / RAW_MESSAGES:.2f} ms, "
        f"{RAW_MESSAGES / raw_seconds:.0f} messages/s"
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=utc_now().tzinfo)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--numbers", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument(
        "--no-freeze",
        action="store_true",
        help="leave start-up's objects to the garbage collector (a worker before 4361c89)",
    )
    arguments = parser.parse_args()
    url = arguments.database_url
    if url is None:
        url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    asyncio.run(
        main(
            url,
            numbers=arguments.numbers,
            seconds=arguments.seconds,
            warmup=arguments.warmup,
            freeze=not arguments.no_freeze,
        )
    )
