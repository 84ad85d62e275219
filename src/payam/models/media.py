from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from payam.db.base import Base, BigIntId, IdMixin, enum_column
from payam.kit.clock import utc_now


class MediaKind(StrEnum):
    IMAGE = "IMAGE"
    DOCUMENT = "DOCUMENT"
    VIDEO = "VIDEO"
    AUDIO = "AUDIO"


class MediaFile(IdMixin, Base):
    """An attachment a user uploaded, checked by its content; the bytes live on disk."""

    __tablename__ = "media_files"

    user_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[MediaKind] = mapped_column(enum_column(MediaKind))
    mime_type: Mapped[str] = mapped_column(String(127))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    storage_key: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
