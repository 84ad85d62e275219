from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from payam.db.base import Base, BigIntId, IdMixin


class CloudWebhookEvent(IdMixin, Base):
    """A status or inbound message the Cloud API's webhook brought for one number.

    The webhook route writes it (signature checked) and answers at once; the worker that holds the
    number reads it as the session's events. ``dedup_key`` makes a replayed or repeated webhook
    a no-op, and ``taken_at`` marks what a session has claimed (given back when it closes).
    """

    __tablename__ = "cloud_webhook_events"

    sender_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("senders.id", ondelete="CASCADE"))
    dedup_key: Mapped[str] = mapped_column(String(191))
    kind: Mapped[str] = mapped_column(String(16))  # "status" or "message"
    status: Mapped[str | None] = mapped_column(String(16))  # sent, delivered, read, failed
    message_id: Mapped[str | None] = mapped_column(String(128))  # ours (biz_opaque_callback_data)
    phone: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(String(1000))
    error_code: Mapped[int | None]  # Meta's, for a failed status (131026: not on WhatsApp)
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime]
    taken_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_cloud_webhook_events_sender_id_dedup_key", "sender_id", "dedup_key", unique=True),
        Index("ix_cloud_webhook_events_sender_id_taken_at", "sender_id", "taken_at"),
    )
