"""Outgoing webhooks: a user's endpoints, the events waiting for them, and every delivery."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from payam.db.base import Base, BigIntId, IdMixin, TimestampMixin, enum_column
from payam.kit.clock import utc_now


class WebhookEndpoint(IdMixin, TimestampMixin, Base):
    """A URL of the user's that hears the events it chose, signed with its own secret."""

    __tablename__ = "webhook_endpoints"

    user_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("users.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str | None] = mapped_column(String(255))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The signing secret, sealed (``payam.kit.credentials``); shown once, when it is made.
    sealed_secret: Mapped[str] = mapped_column(String(255))
    # After a rotation the old secret signs too, beside the new, until ``previous_secret_until``.
    previous_sealed_secret: Mapped[str | None] = mapped_column(String(255))
    previous_secret_until: Mapped[datetime | None]
    enabled: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(255))
    # Failed attempts in a row, whatever their messages; a success starts it over.
    failure_streak: Mapped[int] = mapped_column(default=0)
    failing_since: Mapped[datetime | None]
    # When the last batch of recipient events was made: they are batched to one a second.
    last_batch_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_webhook_endpoints_user_id", "user_id"),)


class WebhookEvent(IdMixin, Base):
    """The outbox: an event for one endpoint, written in the transaction of the change it tells
    of, until a delivery (``delivery_id``) carries it."""

    __tablename__ = "webhook_events"

    endpoint_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    type: Mapped[str] = mapped_column(String(64))
    # The campaign, recipient, number, import or opt-out it is about.
    subject_id: Mapped[int] = mapped_column(BigIntId)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    delivery_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("webhook_deliveries.id", ondelete="CASCADE")
    )
    # For an event its source may hand out twice (a reply): the same key is written once.
    dedup_key: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_webhook_events_endpoint_id_delivery_id", "endpoint_id", "delivery_id"),
        Index("ix_webhook_events_endpoint_id_subject_id", "endpoint_id", "subject_id"),
        Index("ix_webhook_events_endpoint_id_dedup_key", "endpoint_id", "dedup_key", unique=True),
        # A delivery's events, found by it alone: the retention sweep and the cascade deleting it.
        Index("ix_webhook_events_delivery_id", "delivery_id"),
    )


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


class WebhookDelivery(IdMixin, Base):
    """One signed request body (one event, or a batch of recipient events), tried until the
    endpoint takes it or a day has passed. Its body and ``message_id`` never change, so a
    retry or a redelivery is the same message to the receiver."""

    __tablename__ = "webhook_deliveries"

    endpoint_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    body: Mapped[str] = mapped_column(Text)
    event_count: Mapped[int] = mapped_column(default=1)
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utc_now)
    # A worker sending it holds it until then; one killed mid-send lets it go by itself.
    lease_expires_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint_id_id", "endpoint_id", "id"),
    )


class WebhookAttempt(IdMixin, Base):
    """One try of a delivery: when, how long, and what the endpoint answered (or why none)."""

    __tablename__ = "webhook_attempts"

    delivery_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("webhook_deliveries.id", ondelete="CASCADE")
    )
    attempted_at: Mapped[datetime] = mapped_column(default=utc_now)
    duration_ms: Mapped[int] = mapped_column(default=0)
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(255))
    response_excerpt: Mapped[str | None] = mapped_column(String(1024))

    __table_args__ = (Index("ix_webhook_attempts_delivery_id", "delivery_id"),)
