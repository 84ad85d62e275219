"""Zarinpal's REST v4 payment gateway as its documentation describes it, on loopback.

It serves ``/pg/v4/payment/request.json`` and ``/pg/v4/payment/verify.json``, keeps each payment's
amount, currency and state, and lets a test play the payer at StartPay with ``pay()`` or
``cancel()``. ``fail_next()``, ``hang_next()`` and ``answer_next()`` script the next answers for
tests of an unreachable or broken Zarinpal.

Where the docs leave a detail open the fake picks one and says so: refusals come with HTTP 422
(``error_http_status``), and the smallest amount is 1,000 rials (``minimum_amount_irr``).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode

from tests.fakes.http_server import Answer, ReceivedRequest, serve_http

MERCHANT_ID = "6f1c2a9e-3b7d-4c5e-9a8f-0d2b4e6c8a1f"
REQUEST_PATH = "/pg/v4/payment/request.json"
VERIFY_PATH = "/pg/v4/payment/verify.json"
CARD_PAN = "502229******5995"
AUTHORITY_DIGITS = 35  # an authority is a letter and 35 more characters, 36 in all
RIALS_PER_TOMAN = 10
DESCRIPTION_MAX_CHARS = 500
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

# Zarinpal's English messages, as its error list gives them.
MESSAGES = {
    -9: "The input params invalid, validation error.",
    -10: "Terminal is not valid, please check merchant_id or ip address.",
    -11: "Terminal is not active, please contact our support team.",
    -50: "Session is not valid, amounts values is not the same.",
    -51: "Session is not valid, session is not active paid try.",
    -53: "Session is not this merchant_id session.",
    -54: "Invalid authority.",
}


class PaymentState(StrEnum):
    CREATED = "CREATED"  # registered; the payer has not finished at StartPay
    PAID = "PAID"  # the payer paid; not verified yet
    CANCELLED = "CANCELLED"  # the payer cancelled, or the bank declined
    VERIFIED = "VERIFIED"


@dataclass
class FakePayment:
    authority: str
    merchant_id: str
    amount: int
    currency: str
    description: str
    callback_url: str
    metadata: dict[str, Any]
    state: PaymentState = PaymentState.CREATED
    ref_id: int | None = None
    card_pan: str | None = None


@dataclass
class FakeZarinpal:
    url: str = ""
    # Sandbox mode answers like sandbox.zarinpal.com: any UUID is a merchant, authorities start
    # with "S". Production mode knows only ``merchant_ids``.
    sandbox: bool = False
    merchant_ids: set[str] = field(default_factory=lambda: {MERCHANT_ID})
    inactive_merchant_ids: set[str] = field(default_factory=set)
    minimum_amount_irr: int = 1_000
    error_http_status: int = 422
    received: list[ReceivedRequest] = field(default_factory=list)
    payments: dict[str, FakePayment] = field(default_factory=dict)
    _scripted: list[Answer] = field(default_factory=list)
    _next_ref_id: int = 201
    # The HTTP server answers each request on its own thread.
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # ---- what a test does -------------------------------------------------------------------

    def pay(self, authority: str, *, card_pan: str = CARD_PAN) -> str:
        """The payer pays at StartPay; returns the URL Zarinpal sends them back to."""
        with self._lock:
            payment = self.payments[authority]
            assert payment.state is PaymentState.CREATED, f"{authority} is {payment.state}"
            payment.state = PaymentState.PAID
            payment.ref_id = self._next_ref_id
            payment.card_pan = card_pan
            self._next_ref_id += 1
        return self._return_url(payment, status="OK")

    def cancel(self, authority: str) -> str:
        """The payer gives up at StartPay (or the bank declines); returns the NOK return URL."""
        with self._lock:
            payment = self.payments[authority]
            assert payment.state is PaymentState.CREATED, f"{authority} is {payment.state}"
            payment.state = PaymentState.CANCELLED
        return self._return_url(payment, status="NOK")

    def answer_next(self, answer: Answer) -> None:
        """The next request, whatever it is, gets ``answer`` and changes nothing."""
        with self._lock:
            self._scripted.append(answer)

    def fail_next(self, status: int = 500) -> None:
        self.answer_next(
            Answer(status, body=b"<html><body>Server Error</body></html>", content_type="text/html")
        )

    def hang_next(self, seconds: float = 5.0) -> None:
        """The next request gets no answer for ``seconds`` (the server stops waiting on exit)."""
        self.answer_next(Answer(200, body=b"{}", delay_seconds=seconds))

    def bodies(self, path: str) -> list[Any]:
        """The JSON bodies received at ``path``, oldest first."""
        return [request.json() for request in self.received if request.path == path]

    def clear(self) -> None:
        with self._lock:
            self.received.clear()
            self.payments.clear()
            self._scripted.clear()

    # ---- the server side --------------------------------------------------------------------

    def answer(self, request: ReceivedRequest) -> Answer:
        with self._lock:
            self.received.append(request)
            if self._scripted:
                return self._scripted.pop(0)
            if request.method != "POST" or request.path not in (REQUEST_PATH, VERIFY_PATH):
                return Answer(404, body=b"Not Found", content_type="text/plain")
            try:
                body = request.json()
            except ValueError:
                body = {}
            if not isinstance(body, dict):
                body = {}
            if request.path == REQUEST_PATH:
                return self._payment_request(body)
            return self._verify(body)

    def _payment_request(self, body: dict[str, Any]) -> Answer:
        problems = self._merchant_problems(body)
        amount = body.get("amount")
        currency = body.get("currency", "IRR")
        if currency not in ("IRR", "IRT"):
            problems.append({"currency": "The selected currency is invalid."})
            currency = "IRR"
        if amount is None:
            problems.append({"amount": "The amount field is required."})
        elif not _is_int(amount):
            problems.append({"amount": "The amount must be an integer."})
        elif amount * (RIALS_PER_TOMAN if currency == "IRT" else 1) < self.minimum_amount_irr:
            problems.append({"amount": f"The amount must be at least {self.minimum_amount_irr}."})
        description = body.get("description")
        if not isinstance(description, str) or not description:
            problems.append({"description": "The description field is required."})
        elif len(description) > DESCRIPTION_MAX_CHARS:
            problems.append(
                {"description": "The description may not be greater than 500 characters."}
            )
        callback_url = body.get("callback_url")
        if not isinstance(callback_url, str) or not callback_url:
            problems.append({"callback_url": "The callback url field is required."})
        elif not callback_url.startswith(("http://", "https://")):
            problems.append({"callback_url": "The callback url format is invalid."})
        metadata = body.get("metadata", {})
        if not isinstance(metadata, dict):
            problems.append({"metadata": "The metadata must be an array."})
            metadata = {}
        if problems:
            return self._refusal(-9, validations=problems)
        refusal = self._merchant_refusal(body["merchant_id"])
        if refusal is not None:
            return refusal

        prefix = "S" if self.sandbox else "A"
        authority = f"{prefix}{secrets.randbelow(10**AUTHORITY_DIGITS):0{AUTHORITY_DIGITS}d}"
        self.payments[authority] = FakePayment(
            authority=authority,
            merchant_id=body["merchant_id"],
            # Validated above; read from the body again so the types are the JSON's own.
            amount=body["amount"],
            currency=currency,
            description=body["description"],
            callback_url=body["callback_url"],
            metadata=metadata,
        )
        return Answer.of_json(
            200,
            {
                "data": {
                    "code": 100,
                    "message": "Success",
                    "authority": authority,
                    "fee_type": "Merchant",
                    "fee": 0,
                },
                "errors": [],
            },
        )

    def _verify(self, body: dict[str, Any]) -> Answer:
        problems = self._merchant_problems(body)
        amount = body.get("amount")
        if amount is None:
            problems.append({"amount": "The amount field is required."})
        elif not _is_int(amount):
            problems.append({"amount": "The amount must be an integer."})
        authority = body.get("authority")
        if not isinstance(authority, str) or not authority:
            problems.append({"authority": "The authority field is required."})
        if problems:
            return self._refusal(-9, validations=problems)
        refusal = self._merchant_refusal(body["merchant_id"])
        if refusal is not None:
            return refusal

        payment = self.payments.get(authority) if isinstance(authority, str) else None
        if payment is None:
            return self._refusal(-54)
        if payment.merchant_id != body["merchant_id"]:
            return self._refusal(-53)
        if payment.amount != amount:
            return self._refusal(-50)
        if payment.state is PaymentState.PAID:
            payment.state = PaymentState.VERIFIED
            return self._verified(payment, code=100)
        if payment.state is PaymentState.VERIFIED:
            return self._verified(payment, code=101)
        return self._refusal(-51)

    def _merchant_problems(self, body: dict[str, Any]) -> list[dict[str, str]]:
        merchant_id = body.get("merchant_id")
        if not isinstance(merchant_id, str) or not merchant_id:
            return [{"merchant_id": "The merchant id field is required."}]
        if not _UUID.match(merchant_id):
            return [{"merchant_id": "The merchant id must be a valid UUID."}]
        return []

    def _merchant_refusal(self, merchant_id: str) -> Answer | None:
        if merchant_id in self.inactive_merchant_ids:
            return self._refusal(-11)
        if not self.sandbox and merchant_id not in self.merchant_ids:
            return self._refusal(-10)
        return None

    def _refusal(self, code: int, *, validations: list[dict[str, str]] | None = None) -> Answer:
        return Answer.of_json(
            self.error_http_status,
            {
                "data": [],
                "errors": {
                    "code": code,
                    "message": MESSAGES[code],
                    "validations": validations or [],
                },
            },
        )

    def _verified(self, payment: FakePayment, *, code: int) -> Answer:
        assert payment.card_pan is not None
        return Answer.of_json(
            200,
            {
                "data": {
                    "code": code,
                    "message": "Verified",
                    "card_hash": hashlib.sha256(payment.card_pan.encode()).hexdigest().upper(),
                    "card_pan": payment.card_pan,
                    "ref_id": payment.ref_id,
                    "fee_type": "Merchant",
                    "fee": 0,
                },
                "errors": [],
            },
        )

    @staticmethod
    def _return_url(payment: FakePayment, *, status: str) -> str:
        separator = "&" if "?" in payment.callback_url else "?"
        query = urlencode({"Authority": payment.authority, "Status": status})
        return f"{payment.callback_url}{separator}{query}"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@contextmanager
def serve_zarinpal(*, sandbox: bool = False) -> Iterator[FakeZarinpal]:
    fake = FakeZarinpal(sandbox=sandbox)
    with serve_http(fake.answer) as server:
        fake.url = server.url
        yield fake
