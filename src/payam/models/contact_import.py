from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from payam.db.base import Base, BigIntId, IdMixin, TimestampMixin, enum_column


class ImportStatus(StrEnum):
    UPLOADED = "UPLOADED"  # stored, previewed, waiting for the column mapping
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class ContactImport(IdMixin, TimestampMixin, Base):
    """One upload of recipients into a campaign, imported by a background job with progress."""

    __tablename__ = "contact_imports"

    user_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("users.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("campaigns.id", ondelete="CASCADE")
    )
    status: Mapped[ImportStatus] = mapped_column(
        enum_column(ImportStatus), default=ImportStatus.UPLOADED
    )
    file_format: Mapped[str] = mapped_column(String(16))  # csv, xlsx, text
    filename: Mapped[str] = mapped_column(String(255))
    storage_key: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int]
    # How the file reads: delimiter, encoding, header row; then which column is what.
    layout: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    rows_read: Mapped[int] = mapped_column(default=0)
    imported: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None]
