"""Subscriptions, message quotas, payments and invoices."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from payam.db.base import Base, BigIntId, IdMixin, TimestampMixin, enum_column
from payam.kit.clock import utc_now


class Subscription(IdMixin, TimestampMixin, Base):
    """A user's current period of service and message quota (one row per user).

    ``messages_granted - messages_used - messages_reserved`` is what is left; the reserve
    statement checks it and moves messages in one UPDATE, so concurrent campaigns cannot
    overspend it.
    """

    __tablename__ = "subscriptions"

    user_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    package_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("packages.id", ondelete="SET NULL")
    )
    started_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    messages_granted: Mapped[int] = mapped_column(default=0)
    messages_used: Mapped[int] = mapped_column(default=0)
    messages_reserved: Mapped[int] = mapped_column(default=0)


class GrantSource(StrEnum):
    PAYMENT = "PAYMENT"
    ADMIN = "ADMIN"


class SubscriptionGrant(IdMixin, Base):
    """Each purchase or gift that added days and messages: the subscription's history."""

    __tablename__ = "subscription_grants"

    user_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("users.id", ondelete="CASCADE"))
    package_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("packages.id"))
    source: Mapped[GrantSource] = mapped_column(enum_column(GrantSource))
    # Unique: one payment can never be credited twice, whatever races above this line.
    payment_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("payments.id", ondelete="SET NULL"), unique=True
    )
    granted_by_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="SET NULL")
    )
    reason: Mapped[str | None] = mapped_column(String(500))
    days: Mapped[int]
    messages: Mapped[int]
    period_ends_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    __table_args__ = (Index("ix_subscription_grants_user_id", "user_id"),)


class ReservationStatus(StrEnum):
    HELD = "HELD"
    SETTLED = "SETTLED"


class QuotaReservation(IdMixin, Base):
    """Messages set aside for sends in flight; settled once as used or given back."""

    __tablename__ = "quota_reservations"

    user_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("users.id", ondelete="CASCADE"))
    subscription_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("subscriptions.id", ondelete="CASCADE")
    )
    amount: Mapped[int]
    used: Mapped[int] = mapped_column(default=0)
    status: Mapped[ReservationStatus] = mapped_column(
        enum_column(ReservationStatus), default=ReservationStatus.HELD
    )
    reference: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    settled_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_quota_reservations_user_id_status", "user_id", "status"),)


class PaymentStatus(StrEnum):
    PENDING = "PENDING"  # created; the payer is at the gateway
    PAID = "PAID"
    FAILED = "FAILED"


class Payment(IdMixin, TimestampMixin, Base):
    __tablename__ = "payments"

    user_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("users.id", ondelete="CASCADE"))
    package_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("packages.id"))
    gateway: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[PaymentStatus] = mapped_column(
        enum_column(PaymentStatus), default=PaymentStatus.PENDING
    )
    authority: Mapped[str | None] = mapped_column(String(128))
    ref_id: Mapped[str | None] = mapped_column(String(128))
    card_pan: Mapped[str | None] = mapped_column(String(32))
    result_code: Mapped[int | None]
    failure_reason: Mapped[str | None] = mapped_column(Text)
    paid_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("gateway", "authority", name="uq_payments_gateway_authority"),
        Index("ix_payments_user_id_created_at", "user_id", "created_at"),
        Index("ix_payments_status_created_at", "status", "created_at"),
    )


class PaymentEvent(IdMixin, Base):
    """A payment's status history: every change, with what the gateway said."""

    __tablename__ = "payment_events"

    payment_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("payments.id", ondelete="CASCADE"))
    status: Mapped[PaymentStatus] = mapped_column(enum_column(PaymentStatus))
    note: Mapped[str] = mapped_column(String(255))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    __table_args__ = (Index("ix_payment_events_payment_id", "payment_id"),)


class Invoice(IdMixin, Base):
    """The numbered receipt of a paid payment, with what was sold as it was then."""

    __tablename__ = "invoices"

    number: Mapped[str] = mapped_column(String(32), unique=True)
    payment_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("payments.id", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("users.id", ondelete="CASCADE"))
    billed_name: Mapped[str] = mapped_column(String(255))
    billed_email: Mapped[str] = mapped_column(String(255))
    package_title: Mapped[str] = mapped_column(String(255))
    days: Mapped[int]
    messages: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3))
    gateway: Mapped[str] = mapped_column(String(32))
    ref_id: Mapped[str | None] = mapped_column(String(128))
    issued_at: Mapped[datetime] = mapped_column(default=utc_now)


class SandboxCharge(IdMixin, Base):
    """The sandbox gateway's own ledger: what a real gateway would keep on its side."""

    __tablename__ = "sandbox_charges"

    authority: Mapped[str] = mapped_column(String(64), unique=True)
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(String(255))
    callback_url: Mapped[str] = mapped_column(String(1000))
    approved_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    verified_at: Mapped[datetime | None]
    ref_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
