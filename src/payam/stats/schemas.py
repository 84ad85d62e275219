from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field

from payam.kit.schemas import Schema


class MessageFigures(Schema):
    sent: int = Field(description="reached WhatsApp")
    delivered: int = Field(description="reached the phone")
    read: int
    failed: int
    skipped: int = Field(description="not on WhatsApp, or opted out")


class MessageDayView(MessageFigures):
    day: date


class Messages(Schema):
    totals: MessageFigures
    days: list[MessageDayView] = Field(description="every day of the range, oldest first")


class DayCount(Schema):
    day: date
    count: int


class Series(Schema):
    total: int
    days: list[DayCount] = Field(description="every day of the range, oldest first")


class Campaigns(Schema):
    by_status: dict[str, int] = Field(description="campaigns made in the range, by status now")
    created: Series


class DayAmount(Schema):
    day: date
    amount: Decimal


class PackageRevenue(Schema):
    package_id: int
    title: str
    amount: Decimal
    payments: int


class Revenue(Schema):
    currency: str
    total: Decimal
    days: list[DayAmount]
    by_package: list[PackageRevenue]


class Ranked(Schema):
    id: int
    name: str | None = Field(description="the username, or the number's phone or name")
    sent: int
    failed: int
    failure_rate: float = Field(description="failed / (sent + failed); 0 when nothing was tried")


class Rankings(Schema):
    by_volume: list[Ranked]
    by_failure_rate: list[Ranked] = Field(
        description="among those that tried at least 20 messages in the range"
    )


class ProviderNumbers(Schema):
    provider: str
    status: str
    count: int


class UserStatistics(Schema):
    """A user's own figures: their dashboard."""

    since: date
    until: date
    messages: Messages
    campaigns: Campaigns
    top_numbers: Rankings
    numbers: list[ProviderNumbers]
    spent: Revenue
    payments_by_status: dict[str, int]


class PlatformStatistics(Schema):
    since: date
    until: date
    messages: Messages
    campaigns: Campaigns
    signups: Series
    active_users: Series = Field(
        description="users who signed in: each day's, and in the whole range (total)"
    )
    revenue: Revenue
    payments_by_status: dict[str, int]
    top_users: Rankings
    top_numbers: Rankings
    numbers: list[ProviderNumbers] = Field(description="numbers now, by provider and status")
