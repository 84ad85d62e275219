"""The Zarinpal gateway against a loopback Zarinpal, over real HTTP: no app, no database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from structlog.testing import capture_logs

from payam.billing.gateways.base import (
    GatewayRefused,
    GatewayUnavailable,
    PaymentGateway,
    PaymentRequest,
    VerificationOutcome,
)
from payam.billing.gateways.zarinpal import (
    PRODUCTION_HOST,
    SANDBOX_HOST,
    ZarinpalGateway,
    zarinpal_host,
    zarinpal_mobile,
)
from payam.config import Settings
from tests.fakes.http_server import Answer
from tests.fakes.zarinpal import (
    CARD_PAN,
    MERCHANT_ID,
    REQUEST_PATH,
    VERIFY_PATH,
    FakeZarinpal,
    serve_zarinpal,
)
from tests.support import free_port

CALLBACK_URL = "https://payam.example/api/v1/payments/zarinpal/callback"
PRICE = 2_500_000  # rials


def make_settings(**overrides: Any) -> Settings:
    return Settings(_env_file=None, **overrides)


def a_request(**changes: Any) -> PaymentRequest:
    fields: dict[str, Any] = {
        "amount": PRICE,
        "currency": "IRR",
        "description": "Payam Starter: 1,000 messages for a month",
        "callback_url": CALLBACK_URL,
        "order_id": "P-1042",
        "mobile": "+989121234567",
        "email": "sara@example.com",
    }
    fields.update(changes)
    return PaymentRequest(**fields)


@pytest.fixture
def zarinpal() -> Iterator[FakeZarinpal]:
    with serve_zarinpal() as fake:
        yield fake


@pytest.fixture
async def http_client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=2.0) as client:
        yield client


def gateway_for(
    fake: FakeZarinpal,
    http_client: httpx.AsyncClient,
    *,
    merchant_id: str = MERCHANT_ID,
    **options: Any,
) -> ZarinpalGateway:
    return ZarinpalGateway(
        merchant_id=merchant_id, http_client=http_client, base_url=fake.url, **options
    )


@pytest.fixture
def gateway(zarinpal: FakeZarinpal, http_client: httpx.AsyncClient) -> ZarinpalGateway:
    return gateway_for(zarinpal, http_client)


async def paid_authority(zarinpal: FakeZarinpal, gateway: ZarinpalGateway) -> str:
    started = await gateway.start(a_request())
    zarinpal.pay(started.authority)
    return started.authority


# ---- starting a payment ---------------------------------------------------------------------


def test_it_keeps_the_gateway_contract(gateway: ZarinpalGateway) -> None:
    keeps_contract: PaymentGateway = gateway
    assert keeps_contract.name == "zarinpal"


async def test_start_returns_the_authority_and_the_start_pay_url(
    zarinpal: FakeZarinpal, gateway: ZarinpalGateway
) -> None:
    started = await gateway.start(a_request())

    assert started.authority.startswith("A")
    assert len(started.authority) == 36
    assert started.redirect_url == f"{zarinpal.url}/pg/StartPay/{started.authority}"
    assert zarinpal.payments[started.authority].amount == PRICE


async def test_start_posts_the_documented_json(
    zarinpal: FakeZarinpal, gateway: ZarinpalGateway
) -> None:
    await gateway.start(a_request())

    [request] = zarinpal.received
    assert request.method == "POST"
    assert request.path == REQUEST_PATH
    assert request.headers["content-type"] == "application/json"
    assert request.headers["accept"] == "application/json"
    body = request.json()
    assert body == {
        "merchant_id": MERCHANT_ID,
        "amount": PRICE,
        "currency": "IRR",
        "description": "Payam Starter: 1,000 messages for a month",
        "callback_url": CALLBACK_URL,
        "metadata": {"order_id": "P-1042", "mobile": "09121234567", "email": "sara@example.com"},
    }
    assert type(body["amount"]) is int


async def test_start_in_toman_sends_irt_and_leaves_out_what_it_lacks(
    zarinpal: FakeZarinpal, gateway: ZarinpalGateway
) -> None:
    await gateway.start(a_request(amount=250_000, currency="IRT", mobile=None, email=None))

    [body] = zarinpal.bodies(REQUEST_PATH)
    assert body["amount"] == 250_000
    assert body["currency"] == "IRT"
    assert body["metadata"] == {"order_id": "P-1042"}


async def test_start_cuts_a_description_zarinpal_would_refuse(
    zarinpal: FakeZarinpal, gateway: ZarinpalGateway
) -> None:
    await gateway.start(a_request(description="x" * 600))

    assert zarinpal.bodies(REQUEST_PATH)[0]["description"] == "x" * 500


@pytest.mark.parametrize(
    ("phone", "sent"),
    [
        ("+989121234567", "09121234567"),
        ("09121234567", "09121234567"),
        ("+447911123456", None),  # Zarinpal's form has no room for numbers from abroad
        ("", None),
        (None, None),
    ],
)
def test_the_payers_mobile_in_zarinpals_form(phone: str | None, sent: str | None) -> None:
    assert zarinpal_mobile(phone) == sent


@pytest.mark.parametrize(
    ("merchant_id", "code"),
    [
        ("0b5e7c1d-2f4a-4e6b-8c9d-1a3f5e7b9d2c", -10),  # well formed, but not this terminal
        ("not-a-merchant-id", -9),
    ],
)
async def test_a_bad_merchant_is_refused_without_showing_the_merchant_id(
    zarinpal: FakeZarinpal, http_client: httpx.AsyncClient, merchant_id: str, code: int
) -> None:
    gateway = gateway_for(zarinpal, http_client, merchant_id=merchant_id)

    with capture_logs() as logs, pytest.raises(GatewayRefused) as raised:
        await gateway.start(a_request())

    assert raised.value.code == code
    assert merchant_id not in str(raised.value)
    assert merchant_id not in repr(logs)
    assert zarinpal.payments == {}


async def test_an_inactive_terminal_is_refused(
    zarinpal: FakeZarinpal, gateway: ZarinpalGateway
) -> None:
    zarinpal.inactive_merchant_ids.add(MERCHANT_ID)

    with pytest.raises(GatewayRefused, match="not active") as raised:
        await gateway.start(a_request())

    assert raised.value.code == -11


async def test_a_validation_refusal_names_the_field(
    zarinpal: FakeZarinpal, gateway: ZarinpalGateway
) -> None:
    with pytest.raises(GatewayRefused) as raised:
        await gateway.start(a_request(amount=500))

    assert raised.value.code == -9
    assert "amount: The amount must be at least 1000." in str(raised.value)


async def test_a_refusal_is_read_from_the_body_whatever_the_http_status(
    zarinpal: FakeZarinpal, gateway: ZarinpalGateway
) -> None:
    zarinpal.error_http_status = 200
    zarinpal.inactive_merchant_ids.add(MERCHANT_ID)

    with pytest.raises(GatewayRefused) as raised:
        await gateway.start(a_request())

    assert raised.value.code == -11


async def test_throttling_is_unavailable_not_refused(
    zarinpal: FakeZarinpal, gateway: ZarinpalGateway
) -> None:
    zarinpal.answer_next(
        Answer.of_json(
            429,
            {
                "data": [],
                "errors": {"code": -12, "message": "To many attempts, please try again later."},
            },
        )
    )

    with pytest.raises(GatewayUnavailable, match="-12"):
        await gateway.start(a_request())


# ---- verifying ------------------------------------------------------------------------------


async def test_verify_after_payment_is_paid_then_already_verified(
    zarinpal: FakeZarinpal, gateway: ZarinpalGateway
) -> None:
    authority = await paid_authority(zarinpal, gateway)

    first = await gateway.verify(authority=authority, amount=PRICE, currency="IRR")
    again = await gateway.verify(authority=authority, amount=PRICE, currency="IRR")

    assert first.outcome is VerificationOutcome.PAID
    assert first.code == 100
    assert first.ref_id == "201"
    assert first.card_pan == CARD_PAN
    assert again.outcome is VerificationOutcome.ALREADY_VERIFIED
    assert again.code == 101
    assert again.ref_id == first.ref_id
    assert again.card_pan == CARD_PAN


async def test_verify_posts_only_what_verify_json_takes(
    zarinpal: FakeZarinpal, gateway: ZarinpalGateway
) -> None:
    authority = await paid_authority(zarinpal, gateway)

    await gateway.verify(authority=authority, amount=PRICE, currency="IRR")

    [request] = [r for r in zarinpal.received if r.path == VERIFY_PATH]
    assert request.headers["accept"] == "application/json"
    assert request.json() == {"merchant_id": MERCHANT_ID, "amount": PRICE, "authority": authority}


async def test_verify_with_another_amount_fails_with_minus_50(
    zarinpal: FakeZarinpal, gateway: ZarinpalGateway
) -> None:
    authority = await paid_authority(zarinpal, gateway)

    verification = await gateway.verify(authority=authority, amount=PRICE - 1, currency="IRR")

    assert verification.outcome is VerificationOutcome.FAILED
    assert verification.code == -50
    assert "amount does not match" in verification.message
    assert verification.ref_id is None


@pytest.mark.parametrize("cancelled", [False, True], ids=["never-paid", "cancelled"])
async def test_verify_of_an_unpaid_payment_fails_with_minus_51(
    zarinpal: FakeZarinpal, gateway: ZarinpalGateway, cancelled: bool
) -> None:
    started = await gateway.start(a_request())
    if cancelled:
        zarinpal.cancel(started.authority)

    verification = await gateway.verify(authority=started.authority, amount=PRICE, currency="IRR")

    assert verification.outcome is VerificationOutcome.FAILED
    assert verification.code == -51
    assert "not completed" in verification.message
    assert "Session is not valid" in verification.message  # Zarinpal's own words are kept


async def test_verify_of_an_unknown_authority_fails_with_minus_54(
    gateway: ZarinpalGateway,
) -> None:
    verification = await gateway.verify(authority="A" + "0" * 35, amount=PRICE, currency="IRR")

    assert verification.outcome is VerificationOutcome.FAILED
    assert verification.code == -54


async def test_verify_of_another_merchants_payment_fails_with_minus_53(
    http_client: httpx.AsyncClient,
) -> None:
    with serve_zarinpal(sandbox=True) as sandbox:
        mine = gateway_for(sandbox, http_client, merchant_id=str(uuid.uuid4()))
        theirs = gateway_for(sandbox, http_client, merchant_id=str(uuid.uuid4()))
        started = await theirs.start(a_request())
        sandbox.pay(started.authority)

        verification = await mine.verify(authority=started.authority, amount=PRICE, currency="IRR")

    assert verification.outcome is VerificationOutcome.FAILED
    assert verification.code == -53


@pytest.mark.parametrize("code", [-10, -11, -12])
async def test_verify_answered_about_the_terminal_decides_nothing(
    zarinpal: FakeZarinpal, gateway: ZarinpalGateway, code: int
) -> None:
    # The payer may have paid; a problem with our terminal must not record the payment as failed.
    authority = await paid_authority(zarinpal, gateway)
    zarinpal.answer_next(
        Answer.of_json(422, {"data": [], "errors": {"code": code, "message": "Terminal trouble"}})
    )

    with pytest.raises(GatewayUnavailable, match=str(code)):
        await gateway.verify(authority=authority, amount=PRICE, currency="IRR")

    paid = await gateway.verify(authority=authority, amount=PRICE, currency="IRR")
    assert paid.outcome is VerificationOutcome.PAID


async def test_verify_reads_code_and_ref_id_given_as_strings(
    zarinpal: FakeZarinpal, gateway: ZarinpalGateway
) -> None:
    zarinpal.answer_next(
        Answer.of_json(200, {"data": {"code": "101", "ref_id": 9876543210}, "errors": []})
    )

    verification = await gateway.verify(authority="A" + "1" * 35, amount=PRICE, currency="IRR")

    assert verification.outcome is VerificationOutcome.ALREADY_VERIFIED
    assert verification.ref_id == "9876543210"
    assert verification.card_pan is None


@pytest.mark.parametrize(
    ("authority", "amount", "problem"),
    [("", PRICE, "authority is required"), ("A" + "1" * 35, 0, "must be positive")],
)
async def test_verify_refuses_arguments_that_cannot_be_right(
    zarinpal: FakeZarinpal, gateway: ZarinpalGateway, authority: str, amount: int, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        await gateway.verify(authority=authority, amount=amount, currency="IRR")

    assert zarinpal.received == []


# ---- Zarinpal unreachable or broken ---------------------------------------------------------


async def test_http_500_is_unavailable_on_start_and_verify(
    zarinpal: FakeZarinpal, gateway: ZarinpalGateway
) -> None:
    zarinpal.fail_next(500)
    with pytest.raises(GatewayUnavailable, match="HTTP 500") as on_start:
        await gateway.start(a_request())

    authority = await paid_authority(zarinpal, gateway)
    zarinpal.fail_next(502)
    with pytest.raises(GatewayUnavailable, match="HTTP 502") as on_verify:
        await gateway.verify(authority=authority, amount=PRICE, currency="IRR")

    assert MERCHANT_ID not in str(on_start.value)
    assert MERCHANT_ID not in str(on_verify.value)
    assert zarinpal.payments[authority].state == "PAID"  # nothing was decided


async def test_a_timeout_is_unavailable_without_the_merchant_id(
    zarinpal: FakeZarinpal, http_client: httpx.AsyncClient
) -> None:
    gateway = gateway_for(zarinpal, http_client, timeout_seconds=0.2)
    zarinpal.hang_next(seconds=5)

    with capture_logs() as logs, pytest.raises(GatewayUnavailable, match="in time") as raised:
        await gateway.start(a_request())

    assert MERCHANT_ID not in str(raised.value)
    assert MERCHANT_ID not in repr(logs)
    assert len(zarinpal.received) == 1  # it did reach Zarinpal before we gave up


async def test_an_answer_that_is_not_json_is_unavailable(
    zarinpal: FakeZarinpal, gateway: ZarinpalGateway
) -> None:
    zarinpal.answer_next(Answer(200, body=b"<html>maintenance</html>", content_type="text/html"))

    with pytest.raises(GatewayUnavailable, match="no JSON"):
        await gateway.verify(authority="A" + "1" * 35, amount=PRICE, currency="IRR")


async def test_json_without_a_result_code_is_unavailable(
    zarinpal: FakeZarinpal, gateway: ZarinpalGateway
) -> None:
    zarinpal.answer_next(Answer.of_json(200, {"data": [], "errors": []}))

    with pytest.raises(GatewayUnavailable, match="no result code"):
        await gateway.start(a_request())


async def test_an_echoed_merchant_id_is_masked(
    zarinpal: FakeZarinpal, gateway: ZarinpalGateway
) -> None:
    zarinpal.answer_next(Answer(404, body=f"no route for {MERCHANT_ID}".encode()))

    with pytest.raises(GatewayUnavailable) as raised:
        await gateway.start(a_request())

    assert MERCHANT_ID not in str(raised.value)
    assert "no route for ***" in str(raised.value)


async def test_an_unreachable_zarinpal_is_unavailable(http_client: httpx.AsyncClient) -> None:
    gateway = ZarinpalGateway(
        merchant_id=MERCHANT_ID,
        http_client=http_client,
        base_url=f"http://127.0.0.1:{free_port()}",
    )

    with pytest.raises(GatewayUnavailable, match="could not reach Zarinpal") as raised:
        await gateway.start(a_request())

    assert MERCHANT_ID not in str(raised.value)


# ---- hosts, sandbox and settings ------------------------------------------------------------


def test_hosts_for_production_sandbox_and_an_override() -> None:
    assert zarinpal_host(sandbox=False) == "https://payment.zarinpal.com"
    assert zarinpal_host(sandbox=True) == "https://sandbox.zarinpal.com"
    assert zarinpal_host(sandbox=True, base_url="http://127.0.0.1:9/") == "http://127.0.0.1:9"


def test_the_payer_is_sent_to_start_pay_on_the_chosen_host(
    http_client: httpx.AsyncClient,
) -> None:
    live = ZarinpalGateway(merchant_id=MERCHANT_ID, http_client=http_client)
    sandbox = ZarinpalGateway(merchant_id=MERCHANT_ID, http_client=http_client, sandbox=True)

    assert live.host == PRODUCTION_HOST
    assert live.redirect_url("A1") == "https://payment.zarinpal.com/pg/StartPay/A1"
    assert sandbox.host == SANDBOX_HOST
    assert sandbox.redirect_url("S1") == "https://sandbox.zarinpal.com/pg/StartPay/S1"


async def test_the_sandbox_takes_any_uuid_and_issues_s_authorities(
    http_client: httpx.AsyncClient,
) -> None:
    any_merchant = str(uuid.uuid4())
    with serve_zarinpal(sandbox=True) as sandbox:
        gateway = gateway_for(sandbox, http_client, merchant_id=any_merchant, sandbox=True)
        started = await gateway.start(a_request())
        sandbox.pay(started.authority)
        verification = await gateway.verify(
            authority=started.authority, amount=PRICE, currency="IRR"
        )

    assert started.authority.startswith("S")
    assert started.redirect_url == f"{sandbox.url}/pg/StartPay/{started.authority}"
    assert verification.outcome is VerificationOutcome.PAID


def test_from_settings_reads_the_merchant_sandbox_and_override(
    http_client: httpx.AsyncClient,
) -> None:
    settings = make_settings(
        zarinpal_merchant_id=SecretStr(MERCHANT_ID),
        zarinpal_sandbox=True,
        zarinpal_base_url="http://127.0.0.1:8099/",
        payment_timeout_seconds=7.5,
    )

    gateway = ZarinpalGateway.from_settings(settings, http_client=http_client)

    assert gateway.sandbox is True
    assert gateway.host == "http://127.0.0.1:8099"
    assert gateway.timeout_seconds == 7.5
    assert MERCHANT_ID not in repr(gateway)
    assert "sandbox.zarinpal.com" in repr(
        ZarinpalGateway.from_settings(
            make_settings(zarinpal_merchant_id=SecretStr(MERCHANT_ID), zarinpal_sandbox=True),
            http_client=http_client,
        )
    )


def test_from_settings_without_a_merchant_id_says_which_setting(
    http_client: httpx.AsyncClient,
) -> None:
    with pytest.raises(ValueError, match="PAYAM_ZARINPAL_MERCHANT_ID"):
        ZarinpalGateway.from_settings(make_settings(), http_client=http_client)


# ---- the payer's return ---------------------------------------------------------------------


async def test_parse_callback_reads_what_zarinpal_sends_back(
    zarinpal: FakeZarinpal, gateway: ZarinpalGateway
) -> None:
    paid = await gateway.start(a_request())
    cancelled = await gateway.start(a_request())
    paid_query = httpx.URL(zarinpal.pay(paid.authority)).params
    cancelled_query = httpx.URL(zarinpal.cancel(cancelled.authority)).params

    approved = gateway.parse_callback(dict(paid_query))
    declined = gateway.parse_callback(dict(cancelled_query))

    assert (approved.authority, approved.payer_approved) == (paid.authority, True)
    assert (declined.authority, declined.payer_approved) == (cancelled.authority, False)


def test_parse_callback_without_status_is_not_approved(gateway: ZarinpalGateway) -> None:
    parsed = gateway.parse_callback({"Authority": "A" + "2" * 35})

    assert parsed.payer_approved is False


@pytest.mark.parametrize("query", [{}, {"Status": "OK"}, {"Authority": "", "Status": "OK"}])
def test_parse_callback_without_authority_is_an_error(
    gateway: ZarinpalGateway, query: dict[str, str]
) -> None:
    with pytest.raises(ValueError, match="no Authority"):
        gateway.parse_callback(query)
