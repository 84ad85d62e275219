"""Admins search every user's payments by user, outcome and when they started."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from payam.kit.clock import utc_now
from tests.billing.conftest import buy_with_sandbox
from tests.support import problem_fields, signed_in_headers

PAYMENTS = "/api/v1/admin/payments"


async def test_admins_find_payments_by_user_outcome_and_time(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    sara: dict[str, str],
    starter: dict[str, Any],
) -> None:
    omid = await signed_in_headers(
        client, name="Omid Karimi", username="omid", email="o@example.com", phone="09129876543"
    )
    await buy_with_sandbox(client, sara, starter["id"])
    await buy_with_sandbox(client, omid, starter["id"], approve=False)
    omid_id = (await client.get("/api/v1/users/me", headers=omid)).json()["id"]

    async def found(**params: Any) -> list[dict[str, Any]]:
        response = await client.get(PAYMENTS, headers=admin, params=params)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    every = await found()
    paid, failed = every[1], every[0]
    later = (utc_now() + timedelta(minutes=1)).isoformat()
    assert [payment["status"] for payment in every] == ["FAILED", "PAID"]
    assert await found(status="PAID") == [paid]
    assert await found(user_id=omid_id) == [failed]
    assert await found(created_after=later) == []
    assert await found(created_before=later) == every
    assert await found(created_after=paid["created_at"]) == every
    assert await found(created_before=paid["created_at"]) == []


async def test_a_moment_without_its_zone_is_refused_with_the_field(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    response = await client.get(
        PAYMENTS, headers=admin, params={"created_after": "2026-01-01T00:00:00"}
    )

    assert response.status_code == 422
    assert problem_fields(response) == ["created_after"]
