from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.billing.conftest import buy_with_sandbox, create_package
from tests.support import problem_fields


async def test_anyone_sees_the_active_packages_with_exact_prices(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await create_package(client, admin, title="Pro", price="99999999999")
    await create_package(client, admin, title="Old", status="INACTIVE")

    listed = (await client.get("/api/v1/packages")).json()

    assert [package["title"] for package in listed] == ["Pro"]
    assert listed[0]["price"] == "99999999999"
    assert listed[0]["currency"] == "IRR"
    assert listed[0]["price_toman"] == "9999999999.9"
    all_packages = (await client.get("/api/v1/admin/packages", headers=admin)).json()
    assert {package["title"] for package in all_packages} == {"Pro", "Old"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("price", "10.5"),
        ("price", "-1"),
        ("duration_days", 0),
        ("message_limit", -5),
        ("title", ""),
    ],
)
async def test_bad_package_fields_are_refused_by_name(
    client: httpx.AsyncClient, admin: dict[str, str], field: str, value: Any
) -> None:
    body = {"title": "X", "price": "1000", "duration_days": 30, "message_limit": 10, field: value}

    response = await client.post("/api/v1/admin/packages", json=body, headers=admin)

    assert response.status_code == 422
    assert problem_fields(response) == [field]


async def test_admins_edit_and_deactivate_packages(
    client: httpx.AsyncClient, admin: dict[str, str], starter: dict[str, Any]
) -> None:
    edited = await client.patch(
        f"/api/v1/admin/packages/{starter['id']}",
        json={"price": "3000000", "message_limit": 1500},
        headers=admin,
    )
    deactivated = await client.patch(
        f"/api/v1/admin/packages/{starter['id']}", json={"status": "INACTIVE"}, headers=admin
    )

    assert edited.json()["price"] == "3000000"
    assert edited.json()["message_limit"] == 1500
    assert deactivated.json()["status"] == "INACTIVE"
    assert (await client.get("/api/v1/packages")).json() == []


async def test_a_field_sent_as_null_is_left_as_it_is(
    client: httpx.AsyncClient, admin: dict[str, str], starter: dict[str, Any]
) -> None:
    nulls = dict.fromkeys(
        ["title", "description", "price", "duration_days", "category", "message_limit", "status"]
    )

    response = await client.patch(
        f"/api/v1/admin/packages/{starter['id']}", json=nulls, headers=admin
    )

    assert response.status_code == 200, response.text
    assert response.json() == starter


async def test_a_sold_package_cannot_be_deleted_but_an_unsold_one_can(
    client: httpx.AsyncClient, admin: dict[str, str], sara: dict[str, str], starter: dict[str, Any]
) -> None:
    spare = await create_package(client, admin, title="Spare")
    await buy_with_sandbox(client, sara, starter["id"])

    sold = await client.delete(f"/api/v1/admin/packages/{starter['id']}", headers=admin)
    unsold = await client.delete(f"/api/v1/admin/packages/{spare['id']}", headers=admin)

    assert sold.status_code == 409
    assert "deactivate" in sold.json()["detail"]
    assert unsold.status_code == 204
    titles = [
        p["title"] for p in (await client.get("/api/v1/admin/packages", headers=admin)).json()
    ]
    assert titles == ["Starter"]


async def test_users_cannot_manage_packages(
    client: httpx.AsyncClient, sara: dict[str, str], starter: dict[str, Any]
) -> None:
    attempts = [
        await client.get("/api/v1/admin/packages", headers=sara),
        await client.post("/api/v1/admin/packages", json={}, headers=sara),
        await client.patch(f"/api/v1/admin/packages/{starter['id']}", json={}, headers=sara),
        await client.delete(f"/api/v1/admin/packages/{starter['id']}", headers=sara),
        await client.get("/api/v1/admin/payments", headers=sara),
    ]

    assert [response.status_code for response in attempts] == [403] * len(attempts)
