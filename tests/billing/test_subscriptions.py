from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from payam.billing.quota import QuotaService
from payam.db.session import transaction
from payam.kit.clock import utc_now
from payam.models import AuditLogEntry, Subscription, User
from payam.runtime import Runtime
from tests.billing.conftest import buy_with_sandbox, create_package, subscription


async def sara_id(client: httpx.AsyncClient, sara: dict[str, str]) -> int:
    user_id: int = (await client.get("/api/v1/users/me", headers=sara)).json()["id"]
    return user_id


async def grant(
    client: httpx.AsyncClient, admin: dict[str, str], user_id: int, package_id: int
) -> httpx.Response:
    return await client.post(
        f"/api/v1/admin/users/{user_id}/subscription-grants",
        json={"package_id": package_id, "reason": "bank transfer #42"},
        headers=admin,
    )


async def test_no_subscription_is_shown_as_inactive(
    client: httpx.AsyncClient, sara: dict[str, str]
) -> None:
    mine = await subscription(client, sara)

    assert mine["active"] is False
    assert mine["messages_left"] == 0
    assert mine["package"] is None


async def test_a_second_purchase_stacks_days_and_messages(
    client: httpx.AsyncClient, sara: dict[str, str], starter: dict[str, Any]
) -> None:
    await buy_with_sandbox(client, sara, starter["id"])
    first = await subscription(client, sara)
    await buy_with_sandbox(client, sara, starter["id"])
    second = await subscription(client, sara)

    first_end = datetime.fromisoformat(first["expires_at"])
    second_end = datetime.fromisoformat(second["expires_at"])
    assert second_end - first_end == timedelta(days=30)
    assert second["messages_granted"] == 2000
    assert second["started_at"] == first["started_at"]


async def test_an_admin_grants_a_package_by_hand_and_it_is_audited(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    sara: dict[str, str],
    starter: dict[str, Any],
    runtime: Runtime,
) -> None:
    user_id = await sara_id(client, sara)

    granted = await grant(client, admin, user_id, starter["id"])
    by_user = await grant(client, sara, user_id, starter["id"])
    unknown_user = await grant(client, admin, 999999, starter["id"])

    assert granted.status_code == 201
    assert granted.json()["messages_left"] == 1000
    assert (await subscription(client, sara))["active"] is True
    assert by_user.status_code == 403
    assert unknown_user.status_code == 404
    async with transaction(runtime.sessionmaker) as session:
        entry = (
            await session.scalars(
                select(AuditLogEntry).where(AuditLogEntry.action == "admin.package_granted")
            )
        ).one()
    assert entry.subject_user_id == user_id
    assert entry.details["reason"] == "bank transfer #42"


async def test_expiry_is_a_matter_of_time_not_of_a_job(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    sara: dict[str, str],
    starter: dict[str, Any],
    runtime: Runtime,
) -> None:
    user_id = await sara_id(client, sara)
    await grant(client, admin, user_id, starter["id"])
    async with transaction(runtime.sessionmaker) as session:
        reservation = await QuotaService(session).reserve(user_id, 10)
        await QuotaService(session).commit(reservation.id)
        past = utc_now() - timedelta(seconds=1)
        await session.execute(
            update(Subscription).where(Subscription.user_id == user_id).values(expires_at=past)
        )
        # The stored flag is left stale on purpose: nothing has "run" since.
        await session.execute(
            update(User).where(User.id == user_id).values(subscription_expires_at=past)
        )

    expired = await subscription(client, sara)
    me = (await client.get("/api/v1/users/me", headers=sara)).json()
    await grant(client, admin, user_id, starter["id"])
    renewed = await subscription(client, sara)

    assert expired["active"] is False
    assert expired["messages_left"] == 0
    assert me["subscription_active"] is False
    # A renewal after expiry starts afresh: the old period's leftovers expired with it.
    assert renewed["active"] is True
    assert renewed["messages_used"] == 0
    assert renewed["messages_left"] == 1000


async def test_a_cheaper_package_bought_later_stacks_on_a_bigger_one(
    client: httpx.AsyncClient, admin: dict[str, str], sara: dict[str, str], starter: dict[str, Any]
) -> None:
    small = await create_package(client, admin, title="Small", price="100000", message_limit=50)
    await buy_with_sandbox(client, sara, starter["id"])
    await buy_with_sandbox(client, sara, small["id"])

    mine = await subscription(client, sara)

    assert mine["messages_granted"] == 1050
    assert mine["package"]["title"] == "Small"
