"""Statistics over a range of UTC days, for the platform (admins) or for one user."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from payam.kit.clock import utc_now
from payam.kit.errors import InvalidInput
from payam.stats.ledger import OUTCOMES
from payam.stats.repository import Range, StatsRepository
from payam.stats.schemas import (
    Campaigns,
    DayAmount,
    DayCount,
    MessageDayView,
    MessageFigures,
    Messages,
    PackageRevenue,
    PlatformStatistics,
    ProviderNumbers,
    Ranked,
    Rankings,
    Revenue,
    Series,
    UserStatistics,
)

DEFAULT_DAYS = 30
MAX_DAYS = 366
TOP = 10


def day_range(since: date | None, until: date | None) -> Range:
    """The days asked for: the last 30 by default, at most 366, ``until`` not before ``since``."""
    until = until or utc_now().date()
    since = since or until - timedelta(days=DEFAULT_DAYS - 1)
    if until < since:
        raise InvalidInput("The range ends before it starts", field="until")
    if (until - since).days + 1 > MAX_DAYS:
        raise InvalidInput(f"A range is at most {MAX_DAYS} days", field="since")
    return Range(since=since, until=until)


def _days(span: Range) -> list[date]:
    return [span.since + timedelta(days=i) for i in range((span.until - span.since).days + 1)]


def _series(span: Range, counts: Mapping[date, int], *, total: int | None = None) -> Series:
    days = [DayCount(day=day, count=counts.get(day, 0)) for day in _days(span)]
    return Series(total=sum(counts.values()) if total is None else total, days=days)


def _rate(sent: int, failed: int) -> float:
    return round(failed / (sent + failed), 4) if sent + failed else 0.0


class StatisticsService:
    def __init__(self, session: AsyncSession, *, currency: str) -> None:
        self.stats = StatsRepository(session)
        self.currency = currency

    async def platform(self, span: Range) -> PlatformStatistics:
        active = await self.stats.active_by_day(span)
        return PlatformStatistics(
            since=span.since,
            until=span.until,
            messages=await self._messages(span, None),
            campaigns=await self._campaigns(span, None),
            signups=_series(span, await self.stats.signups_by_day(span)),
            active_users=_series(span, active, total=await self.stats.active_in(span)),
            revenue=await self._revenue(span, None),
            payments_by_status=await self.stats.payments_by_status(span, user_id=None),
            top_users=await self._rankings(span, key="user_id", user_id=None),
            top_numbers=await self._rankings(span, key="sender_id", user_id=None),
            numbers=await self._numbers(None),
        )

    async def of_user(self, user_id: int, span: Range) -> UserStatistics:
        return UserStatistics(
            since=span.since,
            until=span.until,
            messages=await self._messages(span, user_id),
            campaigns=await self._campaigns(span, user_id),
            top_numbers=await self._rankings(span, key="sender_id", user_id=user_id),
            numbers=await self._numbers(user_id),
            spent=await self._revenue(span, user_id),
            payments_by_status=await self.stats.payments_by_status(span, user_id=user_id),
        )

    async def _messages(self, span: Range, user_id: int | None) -> Messages:
        by_day = await self.stats.messages_by_day(span, user_id=user_id)
        zero = [0] * len(OUTCOMES)
        days = [
            MessageDayView(day=day, **dict(zip(OUTCOMES, by_day.get(day, zero), strict=True)))
            for day in _days(span)
        ]
        totals = {name: sum(getattr(day, name) for day in days) for name in OUTCOMES}
        return Messages(totals=MessageFigures(**totals), days=days)

    async def _campaigns(self, span: Range, user_id: int | None) -> Campaigns:
        return Campaigns(
            by_status=await self.stats.campaigns_by_status(span, user_id=user_id),
            created=_series(span, await self.stats.campaigns_created_by_day(span, user_id=user_id)),
        )

    async def _revenue(self, span: Range, user_id: int | None) -> Revenue:
        by_day = await self.stats.revenue_by_day(span, user_id=user_id)
        packages = await self.stats.revenue_by_package(span, user_id=user_id)
        return Revenue(
            currency=self.currency,
            total=sum(by_day.values(), Decimal(0)),
            days=[DayAmount(day=day, amount=by_day.get(day, Decimal(0))) for day in _days(span)],
            by_package=[
                PackageRevenue(package_id=pid, title=title, amount=amount, payments=count)
                for pid, title, amount, count in packages
            ],
        )

    async def _rankings(self, span: Range, *, key: str, user_id: int | None) -> Rankings:
        ranked = {
            by: await self.stats.top(span, by=by, key=key, user_id=user_id, limit=TOP)
            for by in ("volume", "failure_rate")
        }
        ids = sorted({row[0] for rows in ranked.values() for row in rows})
        if key == "user_id":
            names = await self.stats.usernames(ids)
        else:
            names = {
                i: n.phone or n.display_name for i, n in (await self.stats.numbers(ids)).items()
            }
        views = {
            by: [
                Ranked(
                    id=i,
                    name=names.get(i),
                    sent=sent,
                    failed=failed,
                    failure_rate=_rate(sent, failed),
                )
                for i, sent, failed in rows
            ]
            for by, rows in ranked.items()
        }
        return Rankings(by_volume=views["volume"], by_failure_rate=views["failure_rate"])

    async def _numbers(self, user_id: int | None) -> list[ProviderNumbers]:
        rows = await self.stats.numbers_by_provider(user_id=user_id)
        return [ProviderNumbers(provider=p, status=s, count=c) for p, s, c in rows]
