from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from payam.db.base import Base, BigIntId, IdMixin


class WhatsAppPresence(IdMixin, Base):
    """What WhatsApp last answered when one of this user's numbers asked whether a phone is on
    WhatsApp, and when: the engine skips a recipient known not to be, and asks again once the
    answer is older than its setting (decision 19). Kept per user, deleted with the user."""

    __tablename__ = "whatsapp_presence"

    user_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("users.id", ondelete="CASCADE"))
    phone: Mapped[str] = mapped_column(String(32))  # E.164
    on_whatsapp: Mapped[bool]
    checked_at: Mapped[datetime]

    __table_args__ = (Index("ix_whatsapp_presence_user_id_phone", "user_id", "phone", unique=True),)
