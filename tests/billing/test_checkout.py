"""Buying a package through the sandbox gateway, over HTTP, as a payer's browser does it."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.billing.conftest import buy_with_sandbox, subscription
from tests.support import problem_fields


async def test_buying_a_package_activates_the_subscription_with_an_invoice(
    client: httpx.AsyncClient, sara: dict[str, str], starter: dict[str, Any]
) -> None:
    result = await buy_with_sandbox(client, sara, starter["id"])

    assert result.status_code == 200
    assert "Payment successful" in result.text
    mine = await subscription(client, sara)
    assert mine["active"] is True
    assert mine["package"]["title"] == "Starter"
    assert mine["messages_left"] == 1000
    me = (await client.get("/api/v1/users/me", headers=sara)).json()
    assert me["subscription_active"] is True
    assert me["subscription_expires_at"] == mine["expires_at"]

    payments = (await client.get("/api/v1/payments", headers=sara)).json()
    [payment] = payments["items"]
    assert payment["status"] == "PAID"
    assert payment["amount"] == "2500000"
    assert payment["ref_id"]
    assert payment["invoice_number"].startswith("INV-")
    detail = (await client.get(f"/api/v1/payments/{payment['id']}", headers=sara)).json()
    assert [event["status"] for event in detail["events"]] == ["PENDING", "PENDING", "PAID"]
    invoice = (await client.get(f"/api/v1/payments/{payment['id']}/invoice", headers=sara)).json()
    assert invoice["number"] == payment["invoice_number"]
    # The page the payer lands on shows the same number, not a placeholder.
    assert f"Invoice: {invoice['number']}" in result.text
    assert invoice["package_title"] == "Starter"
    assert invoice["amount_toman"] == "250000"


async def test_cancelling_at_the_gateway_activates_nothing(
    client: httpx.AsyncClient, sara: dict[str, str], starter: dict[str, Any]
) -> None:
    result = await buy_with_sandbox(client, sara, starter["id"], approve=False)

    assert "Payment failed" in result.text
    assert (await subscription(client, sara))["active"] is False
    [payment] = (await client.get("/api/v1/payments", headers=sara)).json()["items"]
    assert payment["status"] == "FAILED"
    assert payment["result_code"] == -51
    invoice = await client.get(f"/api/v1/payments/{payment['id']}/invoice", headers=sara)
    assert invoice.status_code == 404


async def test_a_replayed_callback_credits_nothing_twice(
    client: httpx.AsyncClient, sara: dict[str, str], starter: dict[str, Any]
) -> None:
    first = await buy_with_sandbox(client, sara, starter["id"])
    callback = str(first.request.url)

    replays = await asyncio.gather(*(client.get(callback) for _ in range(5)))

    assert all("Payment successful" in replay.text for replay in replays)
    assert (await subscription(client, sara))["messages_granted"] == 1000


async def test_a_callback_arriving_twice_at_once_credits_once(
    client: httpx.AsyncClient, sara: dict[str, str], starter: dict[str, Any]
) -> None:
    started = (
        await client.post(
            "/api/v1/payments/checkout", json={"package_id": starter["id"]}, headers=sara
        )
    ).json()
    back = await client.post(f"{started['redirect_url']}/approve")
    callback = back.headers["location"]

    results = await asyncio.gather(client.get(callback), client.get(callback))

    assert all(result.status_code == 200 for result in results)
    assert (await subscription(client, sara))["messages_granted"] == 1000
    payments = (await client.get("/api/v1/payments", headers=sara)).json()["items"]
    assert [payment["status"] for payment in payments] == ["PAID"]


async def test_a_forged_callback_is_refused(
    client: httpx.AsyncClient, sara: dict[str, str], starter: dict[str, Any]
) -> None:
    started = (
        await client.post(
            "/api/v1/payments/checkout", json={"package_id": starter["id"]}, headers=sara
        )
    ).json()
    authority = urlsplit(started["redirect_url"]).path.rsplit("/", 1)[-1]

    # The payer never paid; a hand-made "OK" return must not activate anything.
    forged = await client.get(f"/api/v1/payments/callback/sandbox?Authority={authority}&Status=OK")
    unknown = await client.get("/api/v1/payments/callback/sandbox?Authority=SBXNOPE&Status=OK")
    empty = await client.get("/api/v1/payments/callback/sandbox")

    assert "Payment failed" in forged.text
    assert (await subscription(client, sara))["active"] is False
    assert unknown.status_code == 404
    assert empty.status_code == 422
    assert problem_fields(empty) == ["Authority"]


async def test_paying_after_an_early_unpaid_return_still_credits(
    client: httpx.AsyncClient, sara: dict[str, str], starter: dict[str, Any]
) -> None:
    started = (
        await client.post(
            "/api/v1/payments/checkout", json={"package_id": starter["id"]}, headers=sara
        )
    ).json()
    authority = urlsplit(started["redirect_url"]).path.rsplit("/", 1)[-1]
    early = await client.get(f"/api/v1/payments/callback/sandbox?Authority={authority}&Status=NOK")
    back = await client.post(f"{started['redirect_url']}/approve")
    late = await client.get(back.headers["location"])

    assert "Payment failed" in early.text
    assert "Payment successful" in late.text
    assert (await subscription(client, sara))["messages_left"] == 1000


async def test_checkout_refusals(
    client: httpx.AsyncClient, sara: dict[str, str], admin: dict[str, str], starter: dict[str, Any]
) -> None:
    unknown = await client.post(
        "/api/v1/payments/checkout", json={"package_id": 999999}, headers=sara
    )
    not_enabled = await client.post(
        "/api/v1/payments/checkout",
        json={"package_id": starter["id"], "gateway": "zarinpal"},
        headers=sara,
    )
    anonymous = await client.post("/api/v1/payments/checkout", json={"package_id": starter["id"]})
    await client.patch(
        f"/api/v1/admin/packages/{starter['id']}", json={"status": "INACTIVE"}, headers=admin
    )
    inactive = await client.post(
        "/api/v1/payments/checkout", json={"package_id": starter["id"]}, headers=sara
    )

    assert unknown.status_code == 404
    assert problem_fields(unknown) == ["package_id"]
    assert not_enabled.status_code == 422
    assert problem_fields(not_enabled) == ["gateway"]
    assert anonymous.status_code == 401
    assert inactive.status_code == 404


async def test_someone_elses_payment_is_not_found(
    client: httpx.AsyncClient, sara: dict[str, str], starter: dict[str, Any]
) -> None:
    await buy_with_sandbox(client, sara, starter["id"])
    [payment] = (await client.get("/api/v1/payments", headers=sara)).json()["items"]
    other = await client.post(
        "/api/v1/auth/register",
        json={
            "name": "Reza",
            "username": "reza",
            "email": "reza@example.com",
            "phone": "09351112233",
            "password": "reza's long password",
        },
    )
    assert other.status_code == 201
    tokens = (
        await client.post(
            "/api/v1/auth/login", json={"login": "reza", "password": "reza's long password"}
        )
    ).json()
    reza = {"Authorization": f"Bearer {tokens['access_token']}"}

    for path in (f"/api/v1/payments/{payment['id']}", f"/api/v1/payments/{payment['id']}/invoice"):
        response = await client.get(path, headers=reza)
        assert response.status_code == 404
        assert "ref_id" not in response.text


async def test_the_sandbox_page_returns_to_our_callback(
    client: httpx.AsyncClient, sara: dict[str, str], starter: dict[str, Any]
) -> None:
    started = (
        await client.post(
            "/api/v1/payments/checkout", json={"package_id": starter["id"]}, headers=sara
        )
    ).json()

    back = await client.post(f"{started['redirect_url']}/approve")
    location = urlsplit(back.headers["location"])

    assert location.path == "/api/v1/payments/callback/sandbox"
    assert parse_qs(location.query)["Status"] == ["OK"]
