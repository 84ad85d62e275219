from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from payam.db.base import Base, IdMixin, TimestampMixin, enum_column


class UserRole(StrEnum):
    USER = "USER"
    ADMIN = "ADMIN"
    SUPER_ADMIN = "SUPER_ADMIN"

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]


_ROLE_RANK = {UserRole.USER: 0, UserRole.ADMIN: 1, UserRole.SUPER_ADMIN: 2}


class UserStatus(StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    BANNED = "BANNED"


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"

    name: Mapped[str] = mapped_column(String(255))
    username: Mapped[str | None] = mapped_column(String(64), unique=True)
    # None once another account took over the address before this one verified it.
    email: Mapped[str | None] = mapped_column(String(255), unique=True)
    phone: Mapped[str | None] = mapped_column(String(32), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[UserRole] = mapped_column(enum_column(UserRole), default=UserRole.USER)
    status: Mapped[UserStatus] = mapped_column(enum_column(UserStatus), default=UserStatus.ACTIVE)
    subscription_active: Mapped[bool] = mapped_column(default=False)
    subscription_expires_at: Mapped[datetime | None]
    phone_verified_at: Mapped[datetime | None]
    email_verified_at: Mapped[datetime | None]
    time_zone: Mapped[str] = mapped_column(String(64), default="Asia/Tehran")
    locale: Mapped[str] = mapped_column(String(8), default="fa")
    last_login_at: Mapped[datetime | None]

    @property
    def phone_verified(self) -> bool:
        return self.phone_verified_at is not None

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_active(self) -> bool:
        return self.status is UserStatus.ACTIVE
