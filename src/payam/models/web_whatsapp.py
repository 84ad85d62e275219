from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from payam.db.base import Base, BigIntId, IdMixin


class WebSentMessage(IdMixin, Base):
    """Which of our messages a WhatsApp Web message id is.

    neonize cannot send under our message id, so WhatsApp names our message by its own id in
    receipts; the session writes the pair as soon as the send returns, and a receipt (in this or a
    later session of the number) is turned back into our id through it.
    """

    __tablename__ = "web_sent_messages"

    sender_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("senders.id", ondelete="CASCADE"))
    wa_message_id: Mapped[str] = mapped_column(String(128))
    message_id: Mapped[str] = mapped_column(String(128))  # ours
    sent_at: Mapped[datetime]

    __table_args__ = (
        Index(
            "ix_web_sent_messages_sender_id_wa_message_id",
            "sender_id",
            "wa_message_id",
            unique=True,
        ),
        Index("ix_web_sent_messages_sent_at", "sent_at"),
    )
