"""Statistics match what the test counts itself, from the rows, over generated data."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from payam.config import Settings
from payam.db.session import transaction
from payam.dispatch.engine import Dispatcher
from payam.kit.clock import utc_now
from payam.models import (
    AuditLogEntry,
    MessageDay,
    Package,
    Payment,
    PaymentStatus,
    Recipient,
    RecipientStatus,
    User,
    UserRole,
)
from payam.runtime import Runtime
from tests.campaign_support import (
    FAST,
    create_campaign,
    grant_messages,
    link_sender,
    phone_number,
    run_until,
    start,
    user_id,
)
from tests.support import bearer, signed_in_admin, signed_in_headers

ADMIN_STATS = "/api/v1/admin/statistics"
MY_STATS = "/api/v1/users/me/statistics"
REACHED = {RecipientStatus.SENT, RecipientStatus.DELIVERED, RecipientStatus.READ}
FIGURES = ("sent", "delivered", "read", "failed", "skipped")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Sends with every outcome: not on WhatsApp, refused (one try only), delivered and read."""
    return settings.model_copy(
        update={
            **FAST,
            "sandbox_not_on_whatsapp_rate": 0.2,
            "sandbox_failure_rate": 0.25,
            "max_send_attempts": 1,
            "sandbox_delivery_seconds": 0.05,
            "sandbox_read_seconds": 0.1,
        }
    )


@pytest.fixture
async def dispatcher(runtime: Runtime) -> Any:
    engine = Dispatcher(runtime, worker_id="stats-worker")
    yield engine
    await engine.shutdown()


def _figures(statuses: list[RecipientStatus]) -> dict[str, int]:
    """What the roll-ups should say, counted here from the recipients' final statuses."""
    return {
        "sent": sum(status in REACHED for status in statuses),
        "delivered": sum(
            status in (RecipientStatus.DELIVERED, RecipientStatus.READ) for status in statuses
        ),
        "read": statuses.count(RecipientStatus.READ),
        "failed": statuses.count(RecipientStatus.FAILED),
        "skipped": statuses.count(RecipientStatus.SKIPPED),
    }


async def _statuses(runtime: Runtime, campaign_id: int) -> list[RecipientStatus]:
    async with runtime.sessionmaker() as session:
        rows = await session.scalars(
            select(Recipient.status).where(Recipient.campaign_id == campaign_id)
        )
        return list(rows.all())


async def test_message_figures_are_exactly_what_the_dispatcher_did(
    client: httpx.AsyncClient, runtime: Runtime, dispatcher: Dispatcher
) -> None:
    admin = bearer(await signed_in_admin(client, runtime, role=UserRole.ADMIN))
    people = [
        await signed_in_headers(client),
        await signed_in_headers(
            client, name="Omid Karimi", username="omid", email="o@example.com", phone="09129876543"
        ),
    ]
    campaigns = []
    for index, headers in enumerate(people):
        await grant_messages(runtime, await user_id(client, headers), 100)
        number = await link_sender(client, headers, phone=f"0990000002{index}")
        phones = [phone_number(index * 1000 + i) for i in range(40)]
        campaign = await create_campaign(
            client, runtime, headers, sender_ids=[number["id"]], recipients=40, phones=phones
        )
        assert (await start(client, headers, campaign["id"])).status_code == 200
        campaigns.append(campaign)

    async def settled() -> bool:
        for campaign in campaigns:
            statuses = await _statuses(runtime, campaign["id"])
            # Every message the simulated WhatsApp took is read in the end.
            waiting = {
                RecipientStatus.PENDING,
                RecipientStatus.SENDING,
                RecipientStatus.SENT,
                RecipientStatus.DELIVERED,
            }
            if any(status in waiting for status in statuses):
                return False
        return True

    await run_until(dispatcher, settled, within_seconds=60)

    expected = [_figures(await _statuses(runtime, c["id"])) for c in campaigns]
    # The data has every outcome, so the check means something.
    assert all(expected[0][name] > 0 for name in FIGURES), expected
    today = utc_now().date().isoformat()
    for headers, figures in zip(people, expected, strict=True):
        mine = (await client.get(MY_STATS, headers=headers)).json()
        assert mine["messages"]["totals"] == figures
        [day] = [d for d in mine["messages"]["days"] if d["day"] == today]
        assert {name: day[name] for name in FIGURES} == figures
        assert len(mine["messages"]["days"]) == 30
    platform = (await client.get(ADMIN_STATS, headers=admin)).json()
    assert platform["messages"]["totals"] == {
        name: expected[0][name] + expected[1][name] for name in FIGURES
    }
    volumes = [(row["name"], row["sent"]) for row in platform["top_users"]["by_volume"]]
    assert sorted(volumes, key=lambda row: -row[1]) == volumes
    assert {name for name, _ in volumes} == {"sara", "omid"}
    assert {row["sent"] for row in platform["top_numbers"]["by_volume"]} == {
        figures["sent"] for figures in expected
    }


async def test_every_figure_matches_its_own_count_over_generated_days(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    chance = random.Random(7)
    admin = bearer(await signed_in_admin(client, runtime, role=UserRole.ADMIN))
    sara = await signed_in_headers(client)
    sara_id = await user_id(client, sara)
    until = utc_now().date()
    since = until - timedelta(days=9)
    days = [since + timedelta(days=i) for i in range(10)]
    # A day before the range, which no figure may count.
    outside = since - timedelta(days=1)
    message_rows: list[dict[str, Any]] = []
    signups: Counter[date] = Counter()
    logins: dict[date, set[int]] = defaultdict(set)
    revenue: Counter[date] = Counter()
    by_package: Counter[int] = Counter()
    outcomes: Counter[str] = Counter()
    async with transaction(runtime.sessionmaker) as session:
        packages = [
            Package(
                title=f"P{i}", price=Decimal(1000 * (i + 1)), duration_days=30, message_limit=100
            )
            for i in range(2)
        ]
        session.add_all(packages)
        users = [
            User(
                name=f"U{i}",
                username=f"u{i}",
                email=f"u{i}@example.com",
                phone=f"+9891200000{i:02d}",
                password_hash="x",
            )
            for i in range(12)
        ]
        session.add_all(users)
        await session.flush()
        for user in users:
            joined = chance.choice([*days, outside])
            user.created_at = _at(joined)
            if joined != outside:
                signups[joined] += 1
            for _ in range(chance.randint(0, 3)):
                day = chance.choice([*days, outside])
                session.add(
                    AuditLogEntry(
                        action="auth.login",
                        actor_id=user.id,
                        subject_user_id=user.id,
                        created_at=_at(day),
                        details={},
                    )
                )
                if day != outside:
                    logins[day].add(user.id)
            for sender_id in (user.id * 10, user.id * 10 + 1):
                for day in chance.sample([*days, outside], 4):
                    row: dict[str, Any] = {
                        "day": day,
                        "user_id": user.id,
                        "sender_id": sender_id,
                        **{name: chance.randint(0, 50) for name in FIGURES},
                    }
                    message_rows.append(row)
            for _ in range(chance.randint(0, 3)):
                day = chance.choice([*days, outside])
                package = chance.choice(packages)
                status = chance.choice(list(PaymentStatus))
                session.add(
                    Payment(
                        user_id=user.id,
                        package_id=package.id,
                        gateway="sandbox",
                        amount=package.price,
                        currency="IRR",
                        status=status,
                        created_at=_at(day),
                        paid_at=_at(day) if status is PaymentStatus.PAID else None,
                    )
                )
                if day != outside:
                    outcomes[status.value] += 1
                    if status is PaymentStatus.PAID:
                        revenue[day] += int(package.price)
                        by_package[package.id] += int(package.price)
        session.add_all([MessageDay(**row) for row in message_rows])
    # Signing up and in through the API counts too: the admin, Sara, and their sign-ins today.
    signups[until] += 2
    admin_id = (await client.get("/api/v1/users/me", headers=admin)).json()["id"]
    logins[until] |= {admin_id, sara_id}

    response = await client.get(
        ADMIN_STATS, headers=admin, params={"since": since.isoformat(), "until": until.isoformat()}
    )

    assert response.status_code == 200, response.text
    body = response.json()
    inside = [row for row in message_rows if row["day"] != outside]
    per_day = {day.isoformat(): dict.fromkeys(FIGURES, 0) for day in days}
    for row in inside:
        for name in FIGURES:
            per_day[row["day"].isoformat()][name] += row[name]
    assert [d["day"] for d in body["messages"]["days"]] == [day.isoformat() for day in days]
    assert {d["day"]: {n: d[n] for n in FIGURES} for d in body["messages"]["days"]} == per_day
    assert body["messages"]["totals"] == {
        name: sum(row[name] for row in inside) for name in FIGURES
    }
    assert {d["day"]: d["count"] for d in body["signups"]["days"]} == {
        day.isoformat(): signups[day] for day in days
    }
    assert {d["day"]: d["count"] for d in body["active_users"]["days"]} == {
        day.isoformat(): len(logins[day]) for day in days
    }
    assert body["active_users"]["total"] == len(set().union(*logins.values()))
    assert {d["day"]: Decimal(str(d["amount"])) for d in body["revenue"]["days"]} == {
        day.isoformat(): Decimal(revenue[day]) for day in days
    }
    assert {p["package_id"]: Decimal(str(p["amount"])) for p in body["revenue"]["by_package"]} == {
        package_id: Decimal(amount) for package_id, amount in by_package.items()
    }
    assert body["payments_by_status"] == dict(outcomes)
    users_sent: Counter[int] = Counter()
    users_failed: Counter[int] = Counter()
    for row in inside:
        users_sent[row["user_id"]] += row["sent"]
        users_failed[row["user_id"]] += row["failed"]
    top = sorted(users_sent, key=lambda u: (-users_sent[u], u))[:10]
    assert [row["id"] for row in body["top_users"]["by_volume"]] == top
    rated = [u for u in users_sent if users_sent[u] + users_failed[u] >= 20]
    by_rate = sorted(
        rated, key=lambda u: (-users_failed[u] / (users_sent[u] + users_failed[u]), u)
    )[:10]
    assert [row["id"] for row in body["top_users"]["by_failure_rate"]] == by_rate
    # Sara's own dashboard holds only Sara's (she has no messages, only her sign-in).
    mine = (await client.get(MY_STATS, headers=sara)).json()
    assert mine["messages"]["totals"] == dict.fromkeys(FIGURES, 0)


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


async def test_a_range_is_checked_and_statistics_are_for_admins(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    admin = bearer(await signed_in_admin(client, runtime))
    sara = await signed_in_headers(client)

    backwards = await client.get(
        ADMIN_STATS, headers=admin, params={"since": "2026-12-01", "until": "2026-11-01"}
    )
    too_long = await client.get(
        MY_STATS, headers=sara, params={"since": "2024-01-01", "until": "2026-01-01"}
    )
    refused = await client.get(ADMIN_STATS, headers=sara)

    assert backwards.status_code == too_long.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "until"
    assert too_long.json()["errors"][0]["field"] == "since"
    assert refused.status_code == 403
