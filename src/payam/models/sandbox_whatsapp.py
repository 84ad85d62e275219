from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from payam.db.base import Base, IdMixin


class SandboxMessage(IdMixin, Base):
    """The simulated WhatsApp's own record of every send it accepted.

    It stands for WhatsApp's servers, so it is written in its own transaction the moment a send
    is accepted, whatever happens to the worker after that; tests read it to prove nothing was
    sent twice.
    """

    __tablename__ = "sandbox_messages"

    sender_phone: Mapped[str] = mapped_column(String(32))
    recipient_phone: Mapped[str] = mapped_column(String(32))
    message_id: Mapped[str] = mapped_column(String(128))
    body: Mapped[str] = mapped_column(Text)
    media_sha256: Mapped[str | None] = mapped_column(String(64))
    accepted_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_sandbox_messages_message_id", "message_id"),
        Index("ix_sandbox_messages_recipient_phone", "recipient_phone"),
        # Receipts are found per sender among those not yet delivered (or read).
        Index("ix_sandbox_messages_sender_phone_delivered_at", "sender_phone", "delivered_at"),
        Index("ix_sandbox_messages_sender_phone_read_at", "sender_phone", "read_at"),
    )
