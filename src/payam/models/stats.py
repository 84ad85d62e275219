"""Daily roll-ups of what happened to messages, kept exact by the transactions that change them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, mapped_column

from payam.db.base import Base, BigIntId


class MessageDay(Base):
    """One UTC day's message outcomes for one user's number.

    Each count is of recipients that reached that outcome on that day: ``sent`` counts every
    message that reached WhatsApp (whether a receipt or our record came first), ``delivered``
    those that reached the phone, ``read`` those read. The dispatcher adds to them in the same
    transaction that moves the recipients (``payam.stats.ledger``), so they never drift from
    the rows. ``sender_id`` is 0 for recipients settled without a number (skipped at claim).
    """

    __tablename__ = "message_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=False)
    sender_id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=False)
    sent: Mapped[int] = mapped_column(default=0)
    delivered: Mapped[int] = mapped_column(default=0)
    read: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        Index("ix_message_days_user_id_day", "user_id", "day"),
        Index("ix_message_days_sender_id_day", "sender_id", "day"),
    )
