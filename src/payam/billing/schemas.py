from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field, computed_field

from payam.config import PaymentGatewayName
from payam.kit.ids import Id
from payam.kit.schemas import InputSchema, Schema, SingleLineText
from payam.models import PackageStatus, PaymentStatus

# Rials and Tomans have no fractions; gateways take whole amounts only.
Price = Annotated[Decimal, Field(ge=0, le=Decimal("9999999999999999"), decimal_places=0)]


def _whole(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal(1))


# Stored as NUMERIC(18,2); shown without the ".00" that Rials and Tomans never have.
WholeAmount = Annotated[Decimal, AfterValidator(_whole)]


def in_toman(amount: Decimal, currency: str) -> Decimal:
    return amount / 10 if currency == "IRR" else amount


class Package(Schema):
    id: int
    title: str
    description: str | None
    price: WholeAmount
    currency: str
    duration_days: int
    category: str | None
    status: PackageStatus
    message_limit: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def price_toman(self) -> Decimal:
        return in_toman(self.price, self.currency)


class PackageCreate(InputSchema):
    title: SingleLineText
    description: str | None = Field(default=None, max_length=5000)
    price: Price
    duration_days: int = Field(ge=1, le=3650)
    category: SingleLineText | None = None
    message_limit: int = Field(ge=0, le=100_000_000)
    status: PackageStatus = PackageStatus.ACTIVE


class PackageUpdate(InputSchema):
    title: SingleLineText | None = None
    description: str | None = Field(default=None, max_length=5000)
    price: Price | None = None
    duration_days: int | None = Field(default=None, ge=1, le=3650)
    category: SingleLineText | None = None
    message_limit: int | None = Field(default=None, ge=0, le=100_000_000)
    status: PackageStatus | None = None


class SubscriptionView(Schema):
    active: bool
    package: Package | None
    started_at: datetime | None
    expires_at: datetime | None
    messages_granted: int
    messages_used: int
    messages_reserved: int
    messages_left: int


class Checkout(InputSchema):
    package_id: Id
    gateway: PaymentGatewayName = PaymentGatewayName.SANDBOX


class CheckoutStarted(Schema):
    payment_id: int
    redirect_url: str


class PaymentEventView(Schema):
    status: PaymentStatus
    note: str
    created_at: datetime


class PaymentView(Schema):
    id: int
    user_id: int
    package_id: int
    gateway: str
    amount: WholeAmount
    currency: str
    status: PaymentStatus
    ref_id: str | None
    card_pan: str | None
    result_code: int | None
    failure_reason: str | None
    created_at: datetime
    paid_at: datetime | None
    invoice_number: str | None = None
    events: list[PaymentEventView] = Field(default_factory=list)


class InvoiceView(Schema):
    number: str
    payment_id: int
    billed_name: str
    billed_email: str
    package_title: str
    days: int
    messages: int
    amount: WholeAmount
    currency: str
    gateway: str
    ref_id: str | None
    issued_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def amount_toman(self) -> Decimal:
        return in_toman(self.amount, self.currency)


class GrantRequest(InputSchema):
    package_id: Id
    reason: str = Field(min_length=1, max_length=500, examples=["bank transfer 2026-11-20"])
