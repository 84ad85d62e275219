"""Quota as other modules use it: reserve, settle, refund, concurrently and across processes."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from payam.billing.errors import QuotaRefusal, QuotaRefused
from payam.billing.quota import QuotaService
from payam.db.session import transaction
from payam.models import QuotaReservation, ReservationStatus, Subscription
from payam.runtime import Runtime
from tests.billing.conftest import subscription
from tests.billing.test_subscriptions import grant, sara_id


@pytest.fixture
async def sara_with_quota(
    client: httpx.AsyncClient, admin: dict[str, str], sara: dict[str, str], starter: dict[str, Any]
) -> int:
    user_id = await sara_id(client, sara)
    assert (await grant(client, admin, user_id, starter["id"])).status_code == 201
    return user_id


async def reserve(runtime: Runtime, user_id: int, count: int) -> int | QuotaRefused:
    try:
        async with transaction(runtime.sessionmaker) as session:
            reservation = await QuotaService(session).reserve(user_id, count, reference="test")
            return reservation.id
    except QuotaRefused as refused:
        return refused


async def test_reserving_without_a_subscription_names_the_reason(
    client: httpx.AsyncClient, sara: dict[str, str], runtime: Runtime
) -> None:
    outcome = await reserve(runtime, await sara_id(client, sara), 1)

    assert isinstance(outcome, QuotaRefused)
    assert outcome.reason is QuotaRefusal.NO_SUBSCRIPTION


async def test_reserving_more_than_is_left_is_refused_with_what_is_left(
    sara_with_quota: int, runtime: Runtime
) -> None:
    assert isinstance(await reserve(runtime, sara_with_quota, 900), int)

    outcome = await reserve(runtime, sara_with_quota, 101)

    assert isinstance(outcome, QuotaRefused)
    assert outcome.reason is QuotaRefusal.QUOTA_EXHAUSTED
    assert outcome.available == 100


async def test_settling_counts_the_sent_and_refunds_the_rest_exactly_once(
    client: httpx.AsyncClient, sara: dict[str, str], sara_with_quota: int, runtime: Runtime
) -> None:
    reservation_id = await reserve(runtime, sara_with_quota, 100)
    assert isinstance(reservation_id, int)

    async with transaction(runtime.sessionmaker) as session:
        first = await QuotaService(session).settle(reservation_id, used=60)
    async with transaction(runtime.sessionmaker) as session:
        again = await QuotaService(session).settle(reservation_id, used=100)
        released_again = await QuotaService(session).release(reservation_id)

    mine = await subscription(client, sara)
    assert (first, again, released_again) == (True, False, False)
    assert mine["messages_used"] == 60
    assert mine["messages_reserved"] == 0
    assert mine["messages_left"] == 940


async def test_a_released_reservation_gives_every_message_back(
    client: httpx.AsyncClient, sara: dict[str, str], sara_with_quota: int, runtime: Runtime
) -> None:
    reservation_id = await reserve(runtime, sara_with_quota, 250)
    assert isinstance(reservation_id, int)
    assert (await subscription(client, sara))["messages_left"] == 750

    async with transaction(runtime.sessionmaker) as session:
        await QuotaService(session).release(reservation_id)

    assert (await subscription(client, sara))["messages_left"] == 1000


async def assert_never_overspent(
    runtime: Runtime, user_id: int, *, successes: int, each: int
) -> None:
    async with transaction(runtime.sessionmaker) as session:
        row = (
            await session.scalars(select(Subscription).where(Subscription.user_id == user_id))
        ).one()
        held = await session.scalar(
            select(func.coalesce(func.sum(QuotaReservation.amount), 0)).where(
                QuotaReservation.user_id == user_id,
                QuotaReservation.status == ReservationStatus.HELD,
            )
        )
    assert row.messages_reserved == successes * each == held
    assert row.messages_reserved <= row.messages_granted


async def test_many_concurrent_reservations_never_overspend(
    sara_with_quota: int, runtime: Runtime
) -> None:
    outcomes = await asyncio.gather(*(reserve(runtime, sara_with_quota, 30) for _ in range(50)))

    successes = [outcome for outcome in outcomes if isinstance(outcome, int)]
    refusals = [outcome for outcome in outcomes if isinstance(outcome, QuotaRefused)]
    assert len(successes) == 1000 // 30
    assert all(refusal.reason is QuotaRefusal.QUOTA_EXHAUSTED for refusal in refusals)
    await assert_never_overspent(runtime, sara_with_quota, successes=len(successes), each=30)


RESERVER = textwrap.dedent(
    """
    import asyncio, sys
    from payam.billing.errors import QuotaRefused
    from payam.billing.quota import QuotaService
    from payam.db.engine import create_engine
    from payam.db.session import create_sessionmaker, transaction

    async def main(url, user_id, attempts):
        engine = create_engine(url)
        sessions = create_sessionmaker(engine)
        won = 0

        async def one():
            nonlocal won
            try:
                async with transaction(sessions) as session:
                    await QuotaService(session).reserve(user_id, 7)
                won += 1
            except QuotaRefused:
                pass

        await asyncio.gather(*(one() for _ in range(attempts)))
        await engine.dispose()
        print(won)

    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
    """
)


async def test_two_processes_reserving_at_once_never_overspend(
    sara_with_quota: int, runtime: Runtime
) -> None:
    url = runtime.settings.database_url
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            RESERVER,
            url,
            str(sara_with_quota),
            "100",
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    results = [await process.communicate() for process in processes]

    assert all(process.returncode == 0 for process in processes), [err for _, err in results]
    successes = sum(int(out) for out, _ in results)
    assert successes == 1000 // 7
    await assert_never_overspent(runtime, sara_with_quota, successes=successes, each=7)
