"""Buying through Zarinpal (its loopback fake), from checkout to the verified callback."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import update

from payam.billing.gateways.zarinpal import ZarinpalGateway
from payam.config import PaymentGatewayName, Settings
from payam.db.session import transaction
from payam.models import Payment
from payam.runtime import Runtime
from tests.billing.conftest import create_package, subscription
from tests.fakes.zarinpal import (
    MERCHANT_ID,
    REQUEST_PATH,
    VERIFY_PATH,
    FakeZarinpal,
    serve_zarinpal,
)


@pytest.fixture
def zarinpal() -> Iterator[FakeZarinpal]:
    with serve_zarinpal() as fake:
        yield fake


@pytest.fixture
def settings(settings: Settings, zarinpal: FakeZarinpal) -> Settings:
    return settings.model_copy(
        update={
            "payment_gateways": [PaymentGatewayName.SANDBOX, PaymentGatewayName.ZARINPAL],
            "zarinpal_merchant_id": SecretStr(MERCHANT_ID),
            "zarinpal_base_url": zarinpal.url,
        }
    )


async def start(client: httpx.AsyncClient, user: dict[str, str], package_id: int) -> str:
    started = await client.post(
        "/api/v1/payments/checkout",
        json={"package_id": package_id, "gateway": "zarinpal"},
        headers=user,
    )
    assert started.status_code == 201, started.text
    redirect_url: str = started.json()["redirect_url"]
    path = urlsplit(redirect_url).path
    assert path.startswith("/pg/StartPay/")
    return path.rsplit("/", 1)[-1]


async def test_zarinpal_checkout_sends_our_amount_and_credits_on_verify(
    client: httpx.AsyncClient,
    sara: dict[str, str],
    starter: dict[str, Any],
    zarinpal: FakeZarinpal,
) -> None:
    authority = await start(client, sara, starter["id"])

    result = await client.get(zarinpal.pay(authority))

    [requested] = zarinpal.bodies(REQUEST_PATH)
    assert requested["amount"] == 2500000
    assert requested["currency"] == "IRR"
    assert requested["callback_url"] == "https://testserver/api/v1/payments/callback/zarinpal"
    [verified] = zarinpal.bodies(VERIFY_PATH)
    assert verified == {"merchant_id": MERCHANT_ID, "amount": 2500000, "authority": authority}
    assert "Payment successful" in result.text
    [payment] = (await client.get("/api/v1/payments", headers=sara)).json()["items"]
    assert payment["status"] == "PAID"
    assert payment["result_code"] == 100
    assert payment["card_pan"]
    assert (await subscription(client, sara))["messages_left"] == 1000


async def test_already_verified_counts_as_the_same_success_once(
    client: httpx.AsyncClient,
    sara: dict[str, str],
    starter: dict[str, Any],
    zarinpal: FakeZarinpal,
    runtime: Runtime,
) -> None:
    authority = await start(client, sara, starter["id"])
    back = zarinpal.pay(authority)
    # As if an earlier callback verified with Zarinpal and then died before committing: the
    # payment is still PENDING here, and Zarinpal now answers 101.
    gateway = ZarinpalGateway.from_settings(runtime.settings, http_client=runtime.http_client)
    await gateway.verify(authority=authority, amount=2500000, currency="IRR")

    result = await client.get(back)
    replay = await client.get(back)

    assert "Payment successful" in result.text
    assert "Payment successful" in replay.text
    [payment] = (await client.get("/api/v1/payments", headers=sara)).json()["items"]
    assert payment["result_code"] == 101
    assert (await subscription(client, sara))["messages_granted"] == 1000


async def test_a_payment_verified_for_another_amount_fails_with_the_reason(
    client: httpx.AsyncClient,
    sara: dict[str, str],
    starter: dict[str, Any],
    zarinpal: FakeZarinpal,
    runtime: Runtime,
) -> None:
    authority = await start(client, sara, starter["id"])
    back = zarinpal.pay(authority)
    # Our record of the price is what counts; a payment made for a different sum is refused.
    async with transaction(runtime.sessionmaker) as session:
        await session.execute(update(Payment).values(amount=Decimal(100000)))

    result = await client.get(back)

    assert "Payment failed" in result.text
    [payment] = (await client.get("/api/v1/payments", headers=sara)).json()["items"]
    assert payment["status"] == "FAILED"
    assert payment["result_code"] == -50
    assert (await subscription(client, sara))["active"] is False


async def test_a_cancelled_payment_fails_and_a_replay_changes_nothing(
    client: httpx.AsyncClient,
    sara: dict[str, str],
    starter: dict[str, Any],
    zarinpal: FakeZarinpal,
) -> None:
    authority = await start(client, sara, starter["id"])
    back = zarinpal.cancel(authority)

    first = await client.get(back)
    forged_ok = await client.get(back.replace("Status=NOK", "Status=OK"))

    assert "Payment failed" in first.text
    assert "Payment failed" in forged_ok.text
    assert (await subscription(client, sara))["active"] is False


async def test_when_zarinpal_is_down_the_payment_waits_and_succeeds_later(
    client: httpx.AsyncClient,
    sara: dict[str, str],
    starter: dict[str, Any],
    zarinpal: FakeZarinpal,
) -> None:
    authority = await start(client, sara, starter["id"])
    back = zarinpal.pay(authority)
    zarinpal.fail_next(502)

    down = await client.get(back)
    later = await client.get(back)

    assert down.status_code == 503
    assert down.headers["content-type"].startswith("application/problem+json")
    assert "Payment successful" in later.text
    assert (await subscription(client, sara))["messages_left"] == 1000


async def test_a_refused_checkout_is_kept_as_a_failed_attempt(
    client: httpx.AsyncClient,
    sara: dict[str, str],
    starter: dict[str, Any],
    zarinpal: FakeZarinpal,
) -> None:
    zarinpal.merchant_ids.clear()

    refused = await client.post(
        "/api/v1/payments/checkout",
        json={"package_id": starter["id"], "gateway": "zarinpal"},
        headers=sara,
    )

    assert refused.status_code == 402
    [payment] = (await client.get("/api/v1/payments", headers=sara)).json()["items"]
    assert payment["status"] == "FAILED"
    assert payment["failure_reason"]


SLOW_SECONDS = 3.0


@pytest.mark.parametrize("step", ["checkout", "callback"])
async def test_a_slow_zarinpal_holds_up_no_one_elses_writes(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    sara: dict[str, str],
    starter: dict[str, Any],
    zarinpal: FakeZarinpal,
    step: str,
) -> None:
    back = zarinpal.pay(await start(client, sara, starter["id"])) if step == "callback" else ""
    zarinpal.hang_next(SLOW_SECONDS)
    asked = len(zarinpal.received)
    slow = asyncio.create_task(
        client.get(back)
        if back
        else client.post(
            "/api/v1/payments/checkout",
            json={"package_id": starter["id"], "gateway": "zarinpal"},
            headers=sara,
        )
    )
    deadline = time.monotonic() + SLOW_SECONDS
    while len(zarinpal.received) == asked:
        assert time.monotonic() < deadline, "Zarinpal was not asked"
        await asyncio.sleep(0.01)

    # While Zarinpal takes its time, another request writes (on SQLite: takes the one lock).
    began = time.monotonic()
    await create_package(client, admin, title="Meanwhile")
    waited = time.monotonic() - began

    assert not slow.done()
    assert waited < SLOW_SECONDS / 2
    # The slow answer was nonsense: nothing is decided, and the payer can try again.
    assert (await slow).status_code == 503
