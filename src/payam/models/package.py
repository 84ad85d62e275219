from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from payam.db.base import Base, IdMixin, TimestampMixin, enum_column


class PackageStatus(StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class Package(IdMixin, TimestampMixin, Base):
    """A subscription package sold to businesses: a period of service and a message quota."""

    __tablename__ = "packages"

    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    # Rials have no fraction, but the seed's DECIMAL(10,2) is widened for IRR-sized prices.
    price: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    duration_days: Mapped[int]
    category: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[PackageStatus] = mapped_column(
        enum_column(PackageStatus), default=PackageStatus.ACTIVE
    )
    message_limit: Mapped[int] = mapped_column(default=0)
