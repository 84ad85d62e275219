"""What sign-in keeps: sessions (refresh-token families), their rotating tokens, one-time codes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from payam.db.base import Base, BigIntId, IdMixin, enum_column
from payam.kit.clock import utc_now


class AuthSession(Base):
    """One signed-in device. Its refresh tokens form a family; revoking it ends them all."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_used_at: Mapped[datetime] = mapped_column(default=utc_now)
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    ip_address: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_auth_sessions_user_id", "user_id"),)


class RefreshToken(IdMixin, Base):
    __tablename__ = "refresh_tokens"

    session_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("auth_sessions.id", ondelete="CASCADE")
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[datetime]
    rotated_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_refresh_tokens_session_id", "session_id"),)


class OtpPurpose(StrEnum):
    VERIFY_PHONE = "VERIFY_PHONE"
    VERIFY_EMAIL = "VERIFY_EMAIL"
    PASSWORD_RESET = "PASSWORD_RESET"  # noqa: S105 - a purpose, not a password
    LOGIN = "LOGIN"


class OtpChannel(StrEnum):
    SMS = "SMS"
    EMAIL = "EMAIL"


class OneTimeCode(IdMixin, Base):
    __tablename__ = "one_time_codes"

    user_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[OtpPurpose] = mapped_column(enum_column(OtpPurpose))
    channel: Mapped[OtpChannel] = mapped_column(enum_column(OtpChannel))
    destination: Mapped[str] = mapped_column(String(255))
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[datetime]
    consumed_at: Mapped[datetime | None]
    # Set when every try to send the code failed: the next check of it says so.
    undelivered_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_one_time_codes_user_id_purpose", "user_id", "purpose"),)
