"""API keys: long-lived, scoped credentials a user's own systems call the API with."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from payam.db.base import Base, BigIntId, IdMixin
from payam.kit.clock import utc_now


class ApiKey(IdMixin, Base):
    """One key. Its secret is kept only as a keyed hash; ``prefix`` is how a person knows it."""

    __tablename__ = "api_keys"

    user_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Client addresses or networks (CIDR) the key may be used from; empty: anywhere.
    allowed_networks: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    last_used_ip: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_api_keys_user_id", "user_id"),)
