"""Linked WhatsApp numbers: the unit of pacing and of ownership by a worker."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ColumnElement, ForeignKey, Index, String, and_, text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from payam.db.base import Base, BigIntId, IdMixin, TimestampMixin, enum_column


class ProviderName(StrEnum):
    SANDBOX = "sandbox"
    WEB = "web"
    CLOUD = "cloud"


class SenderStatus(StrEnum):
    LINKING = "LINKING"
    CONNECTED = "CONNECTED"
    DISCONNECTED = "DISCONNECTED"
    LOGGED_OUT = "LOGGED_OUT"
    BANNED = "BANNED"


class Sender(IdMixin, TimestampMixin, Base):
    __tablename__ = "senders"

    user_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("users.id", ondelete="CASCADE"))
    provider: Mapped[ProviderName] = mapped_column(enum_column(ProviderName))
    display_name: Mapped[str] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[SenderStatus] = mapped_column(
        enum_column(SenderStatus), default=SenderStatus.LINKING
    )
    status_reason: Mapped[str | None] = mapped_column(String(255))
    # Provider-specific settings (the Cloud API's phone number id, a Web session's device id).
    provider_config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    # Limits the user sets to keep the number safe from bans.
    daily_cap: Mapped[int] = mapped_column(default=500)
    quiet_start_minute: Mapped[int | None]  # minutes after midnight, in the user's time zone
    quiet_end_minute: Mapped[int | None]
    pause_every: Mapped[int | None]  # a longer pause after this many messages
    pause_seconds: Mapped[int] = mapped_column(default=300)
    # Warm-up: the daily cap grows over this many days from the first connection (0: none).
    connected_at: Mapped[datetime | None]
    warmup_days: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    # Pacing state, shared by every campaign that sends through this number.
    next_send_at: Mapped[datetime | None]
    last_sent_at: Mapped[datetime | None]
    sent_on_day: Mapped[date | None]
    sent_today: Mapped[int] = mapped_column(default=0)
    sent_since_pause: Mapped[int] = mapped_column(default=0)

    # Which worker serves this number now; a lease, so a dead worker's numbers move on.
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None]

    # Set by an admin: the platform does not send from this number, connected or not.
    suspended_at: Mapped[datetime | None]
    suspended_reason: Mapped[str | None] = mapped_column(String(255))

    @hybrid_property
    def may_send(self) -> bool:
        """Connected and not suspended: what the dispatcher leases and sends from."""
        return self.status is SenderStatus.CONNECTED and self.suspended_at is None

    @may_send.inplace.expression
    @classmethod
    def _may_send_expression(cls) -> ColumnElement[bool]:
        return and_(cls.status == SenderStatus.CONNECTED, cls.suspended_at.is_(None))

    __table_args__ = (
        Index("ix_senders_user_id", "user_id"),
        Index("ix_senders_lease_expires_at", "lease_expires_at"),
    )


class Suppression(IdMixin, Base):
    """A number that asked not to be messaged by this user again (opt-out)."""

    __tablename__ = "suppressions"

    user_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("users.id", ondelete="CASCADE"))
    phone: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_suppressions_user_id_phone", "user_id", "phone", unique=True),)
