"""The contract every payment gateway keeps; billing's service speaks only to this."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    amount: int  # in ``currency``'s whole units; gateways take no fractions
    currency: str  # "IRR" or "IRT"
    description: str
    callback_url: str
    order_id: str
    mobile: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class StartedPayment:
    authority: str  # the gateway's id for this attempt; comes back on the callback
    redirect_url: str  # where to send the payer


class VerificationOutcome(StrEnum):
    PAID = "PAID"  # verified now
    ALREADY_VERIFIED = "ALREADY_VERIFIED"  # verified before: the same success, seen again
    FAILED = "FAILED"  # the gateway says this payment did not happen (or not for this amount)


@dataclass(frozen=True, slots=True)
class Verification:
    outcome: VerificationOutcome
    code: int  # the gateway's own result code, kept on the payment
    message: str
    ref_id: str | None = None  # the bank reference shown to the payer
    card_pan: str | None = None  # masked card number


@dataclass(frozen=True, slots=True)
class CallbackParameters:
    authority: str
    payer_approved: bool  # what the redirect claims; only verify() is trusted


class GatewayUnavailable(Exception):
    """The gateway could not be reached or answered nonsense: try again later, nothing decided."""


class GatewayRefused(Exception):
    """The gateway refused the request (bad merchant, bad amount, …); retrying will not help."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        self.code = code
        super().__init__(message)


class PaymentGateway(Protocol):
    name: str

    async def start(self, request: PaymentRequest) -> StartedPayment:
        """Register a payment with the gateway; raises GatewayRefused or GatewayUnavailable."""
        ...

    async def verify(self, *, authority: str, amount: int, currency: str) -> Verification:
        """Ask the gateway whether ``authority`` was paid for ``amount``; idempotent."""
        ...

    def parse_callback(self, query: Mapping[str, str]) -> CallbackParameters:
        """Read the payer's return to our callback URL; raises ValueError when malformed."""
        ...
