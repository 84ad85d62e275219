from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, literal_column, text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from payam.db.base import Base, BigIntId, IdMixin, TimestampMixin, enum_column


class CampaignStatus(StrEnum):
    DRAFT = "DRAFT"
    READY = "READY"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class RecipientStatus(StrEnum):
    PENDING = "PENDING"
    SENDING = "SENDING"
    SENT = "SENT"
    DELIVERED = "DELIVERED"
    READ = "READ"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"
    UNKNOWN = "UNKNOWN"


class CopyKind(StrEnum):
    """How a campaign was made from another: all its recipients again, or those left unsent."""

    DUPLICATE = "DUPLICATE"
    RETRY = "RETRY"


# The campaign column that counts the recipients in each status. PENDING has none: it is what the
# others leave of total_recipients, so a bulk import changes one number.
COUNTER_COLUMNS: dict[RecipientStatus, str] = {
    RecipientStatus.SENDING: "sending_count",
    RecipientStatus.SENT: "sent_count",
    RecipientStatus.DELIVERED: "delivered_count",
    RecipientStatus.READ: "read_count",
    RecipientStatus.FAILED: "failed_count",
    RecipientStatus.SKIPPED: "skipped_count",
    RecipientStatus.UNKNOWN: "unknown_count",
}


class Campaign(IdMixin, TimestampMixin, Base):
    __tablename__ = "campaigns"

    user_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str | None] = mapped_column(String(255))
    message: Mapped[str] = mapped_column(Text)
    media_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("media_files.id", ondelete="SET NULL")
    )
    # An approved WhatsApp template sent instead of the message by Cloud API numbers:
    # {"name", "language", "variables": [the recipient column of {{1}}, {{2}}, …]}.
    whatsapp_template: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Seconds between two sends on a sender; the seed's 5/10/20 enum became a setting.
    interval_seconds: Mapped[int] = mapped_column(default=10)
    status: Mapped[CampaignStatus] = mapped_column(
        enum_column(CampaignStatus), default=CampaignStatus.DRAFT
    )
    status_reason: Mapped[str | None] = mapped_column(String(255))
    scheduled_at: Mapped[datetime | None]
    # A duplicate or a retry run points at the campaign it came from.
    source_campaign_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("campaigns.id", ondelete="SET NULL")
    )
    # Which of the two it is (None for a campaign composed from scratch).
    copy_kind: Mapped[CopyKind | None] = mapped_column(enum_column(CopyKind))
    # Counters per recipient status, changed in the same transaction as the recipients.
    total_recipients: Mapped[int] = mapped_column(default=0)
    sending_count: Mapped[int] = mapped_column(default=0)
    sent_count: Mapped[int] = mapped_column(default=0)
    delivered_count: Mapped[int] = mapped_column(default=0)
    read_count: Mapped[int] = mapped_column(default=0)
    failed_count: Mapped[int] = mapped_column(default=0)
    skipped_count: Mapped[int] = mapped_column(default=0)
    unknown_count: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    # Counts the row's changes, in the database: every UPDATE of the row (a flush, a bulk
    # UPDATE of counters or status) sets ``version = version + 1`` in the same statement, so
    # two states of one campaign are ordered by it, whichever process's clock is off. Live
    # events carry it; ``updated_at`` is only for showing.
    version: Mapped[int] = mapped_column(
        default=1, server_default=text("1"), onupdate=literal_column("version") + 1
    )

    @hybrid_property
    def pending_count(self) -> int:
        """Recipients not yet claimed: on a loaded campaign a number, in a query an expression."""
        in_a_status: int = sum(
            (getattr(self, column) for column in COUNTER_COLUMNS.values()), start=0
        )
        return self.total_recipients - in_a_status

    def counts(self) -> dict[str, int]:
        """How many recipients are in each status, keyed by the status in lower case."""
        return {
            "total": self.total_recipients,
            "pending": self.pending_count,
            **{status.value.lower(): getattr(self, c) for status, c in COUNTER_COLUMNS.items()},
        }

    __table_args__ = (
        Index("ix_campaigns_user_id_status", "user_id", "status"),
        Index("ix_campaigns_status_scheduled_at", "status", "scheduled_at"),
    )


class CampaignSender(Base):
    """Which numbers a campaign sends through; several rotate."""

    __tablename__ = "campaign_senders"

    campaign_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    sender_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("senders.id", ondelete="CASCADE"), primary_key=True
    )
    # When this sender last sent for this campaign: campaigns sharing a sender take turns.
    last_used_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_campaign_senders_sender_id", "sender_id"),)


class Recipient(IdMixin, Base):
    __tablename__ = "recipients"

    campaign_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("campaigns.id", ondelete="CASCADE")
    )
    phone: Mapped[str] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(255))
    variables: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[RecipientStatus] = mapped_column(
        enum_column(RecipientStatus), default=RecipientStatus.PENDING
    )
    attempt: Mapped[int] = mapped_column(default=0)
    # Set when claimed, before the send: the attempt, who holds it and until when.
    attempt_id: Mapped[str | None] = mapped_column(String(36))
    sender_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("senders.id", ondelete="SET NULL")
    )
    lease_expires_at: Mapped[datetime | None]
    quota_reservation_id: Mapped[int | None] = mapped_column(BigIntId)
    # Our own id for the message, chosen before the send, so a receipt can settle it.
    message_id: Mapped[str | None] = mapped_column(String(128))
    provider_message_id: Mapped[str | None] = mapped_column(String(128))
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_recipients_campaign_id_status_id", "campaign_id", "status", "id"),
        # Reports read a campaign's recipients a page at a time, in order, from the last id seen.
        Index("ix_recipients_campaign_id_id", "campaign_id", "id"),
        Index("ix_recipients_campaign_id_phone", "campaign_id", "phone", unique=True),
        Index("ix_recipients_message_id", "message_id"),
        Index("ix_recipients_status_lease_expires_at", "status", "lease_expires_at"),
    )
