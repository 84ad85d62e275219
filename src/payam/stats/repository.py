"""The statistics' SQL: message figures from the daily roll-ups, the rest from their own tables.

Messages are read only from ``message_days`` (one row per user, number and day), never from the
recipients: a range is a few thousand rows whatever the platform's size. Sign-ups, sign-ins,
payments and campaigns are read from their tables by day, in UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from payam.kit.repository import Repository
from payam.models import (
    AuditLogEntry,
    Campaign,
    MessageDay,
    Package,
    Payment,
    PaymentStatus,
    Sender,
    User,
)
from payam.stats.ledger import OUTCOMES

# Failure rates are ranked only among those that sent at least this many messages: one failure
# out of one message says nothing.
MIN_VOLUME_FOR_RATE = 20


@dataclass(frozen=True, slots=True)
class Range:
    """Whole UTC days, both ends included."""

    since: date
    until: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.since, time(), tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.until + timedelta(days=1), time(), tzinfo=UTC)


def _day(column: Any, dialect: str) -> ColumnElement[Any]:
    """The UTC day of a stored time (stored as UTC everywhere; PostgreSQL's in its own zone)."""
    if dialect == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


def as_date(value: Any) -> date:
    # SQLite's date() is text; the others give a date.
    return date.fromisoformat(value) if isinstance(value, str) else value


class StatsRepository(Repository[MessageDay]):
    model = MessageDay

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    # ---- messages (roll-ups) ---------------------------------------------------------------

    def _messages(self, span: Range, user_id: int | None) -> Select[Any]:
        statement = select(*[func.sum(getattr(MessageDay, name)) for name in OUTCOMES]).where(
            MessageDay.day >= span.since, MessageDay.day <= span.until
        )
        if user_id is not None:
            statement = statement.where(MessageDay.user_id == user_id)
        return statement

    async def messages_by_day(self, span: Range, *, user_id: int | None) -> dict[date, list[int]]:
        rows = await self.session.execute(
            self._messages(span, user_id).add_columns(MessageDay.day).group_by(MessageDay.day)
        )
        return {as_date(row[-1]): [int(v or 0) for v in row[:-1]] for row in rows.all()}

    async def top(
        self, span: Range, *, by: str, key: str, user_id: int | None, limit: int
    ) -> list[tuple[int, int, int]]:
        """(user or number id, sent, failed), the largest ``by`` ("volume" or "failure_rate")
        first, over ``key`` ("user_id" or "sender_id")."""
        column = getattr(MessageDay, key)
        sent = func.sum(MessageDay.sent)
        failed = func.sum(MessageDay.failed)
        statement = self._messages(span, user_id).with_only_columns(column, sent, failed)
        statement = statement.group_by(column)
        if key == "sender_id":
            statement = statement.where(MessageDay.sender_id != 0)
        if by == "volume":
            statement = statement.order_by(sent.desc(), column)
        else:
            attempted = sent + failed
            rate = failed * 1.0 / attempted
            statement = statement.having(attempted >= MIN_VOLUME_FOR_RATE).order_by(
                rate.desc(), column
            )
        rows = await self.session.execute(statement.limit(limit))
        return [(row[0], int(row[1] or 0), int(row[2] or 0)) for row in rows.all()]

    async def usernames(self, user_ids: Sequence[int]) -> dict[int, str | None]:
        if not user_ids:
            return {}
        rows = await self.session.execute(
            select(User.id, User.username).where(User.id.in_(user_ids))
        )
        return {row[0]: row[1] for row in rows.all()}

    async def numbers(self, sender_ids: Sequence[int]) -> dict[int, Sender]:
        if not sender_ids:
            return {}
        rows = await self.session.scalars(select(Sender).where(Sender.id.in_(sender_ids)))
        return {sender.id: sender for sender in rows.all()}

    # ---- the rest, from their tables -------------------------------------------------------

    async def count_by_day(
        self, column: Any, span: Range, *conditions: ColumnElement[bool], distinct: Any = None
    ) -> dict[date, int]:
        day = _day(column, self.dialect)
        counted = func.count(func.distinct(distinct)) if distinct is not None else func.count()
        rows = await self.session.execute(
            select(day, counted)
            .where(column >= span.start, column < span.end, *conditions)
            .group_by(day)
        )
        return {as_date(row[0]): int(row[1]) for row in rows.all()}

    async def signups_by_day(self, span: Range) -> dict[date, int]:
        return await self.count_by_day(User.created_at, span)

    async def active_by_day(self, span: Range) -> dict[date, int]:
        """Users who signed in each day (by password or code), each counted once a day."""
        return await self.count_by_day(
            AuditLogEntry.created_at,
            span,
            AuditLogEntry.action == "auth.login",
            distinct=AuditLogEntry.subject_user_id,
        )

    async def active_in(self, span: Range) -> int:
        return int(
            await self.session.scalar(
                select(func.count(func.distinct(AuditLogEntry.subject_user_id))).where(
                    AuditLogEntry.action == "auth.login",
                    AuditLogEntry.created_at >= span.start,
                    AuditLogEntry.created_at < span.end,
                )
            )
            or 0
        )

    async def campaigns_created_by_day(
        self, span: Range, *, user_id: int | None
    ) -> dict[date, int]:
        mine = [] if user_id is None else [Campaign.user_id == user_id]
        return await self.count_by_day(Campaign.created_at, span, *mine)

    async def campaigns_by_status(self, span: Range, *, user_id: int | None) -> dict[str, int]:
        """The campaigns made in the range, by the status they are in now."""
        statement = (
            select(Campaign.status, func.count())
            .where(Campaign.created_at >= span.start, Campaign.created_at < span.end)
            .group_by(Campaign.status)
        )
        if user_id is not None:
            statement = statement.where(Campaign.user_id == user_id)
        rows = await self.session.execute(statement)
        return {str(row[0]): int(row[1]) for row in rows.all()}

    async def revenue_by_day(self, span: Range, *, user_id: int | None) -> dict[date, Decimal]:
        day = _day(Payment.paid_at, self.dialect)
        statement = (
            select(day, func.sum(Payment.amount)).where(*self._paid(span, user_id)).group_by(day)
        )
        rows = await self.session.execute(statement)
        return {as_date(row[0]): Decimal(row[1] or 0) for row in rows.all()}

    async def revenue_by_package(
        self, span: Range, *, user_id: int | None
    ) -> list[tuple[int, str, Decimal, int]]:
        rows = await self.session.execute(
            select(Payment.package_id, Package.title, func.sum(Payment.amount), func.count())
            .join(Package, Package.id == Payment.package_id)
            .where(*self._paid(span, user_id))
            .group_by(Payment.package_id, Package.title)
            .order_by(func.sum(Payment.amount).desc(), Payment.package_id)
        )
        return [(row[0], row[1], Decimal(row[2] or 0), int(row[3])) for row in rows.all()]

    @staticmethod
    def _paid(span: Range, user_id: int | None) -> list[ColumnElement[bool]]:
        conditions = [
            Payment.status == PaymentStatus.PAID,
            Payment.paid_at >= span.start,
            Payment.paid_at < span.end,
        ]
        if user_id is not None:
            conditions.append(Payment.user_id == user_id)
        return conditions

    async def payments_by_status(self, span: Range, *, user_id: int | None) -> dict[str, int]:
        statement = (
            select(Payment.status, func.count())
            .where(Payment.created_at >= span.start, Payment.created_at < span.end)
            .group_by(Payment.status)
        )
        if user_id is not None:
            statement = statement.where(Payment.user_id == user_id)
        rows = await self.session.execute(statement)
        return {str(row[0]): int(row[1]) for row in rows.all()}

    async def numbers_by_provider(self, *, user_id: int | None) -> list[tuple[str, str, int]]:
        statement = (
            select(Sender.provider, Sender.status, func.count())
            .group_by(Sender.provider, Sender.status)
            .order_by(Sender.provider, Sender.status)
        )
        if user_id is not None:
            statement = statement.where(Sender.user_id == user_id)
        rows = await self.session.execute(statement)
        return [(str(row[0]), str(row[1]), int(row[2])) for row in rows.all()]
