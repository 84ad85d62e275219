"""The admin console's SQL: users with filters and sorting on every column, a user's whole
picture, and the platform-wide reads and changes admins make."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal, or_, select

from payam.admin.schemas import SubscriptionState, UserSort
from payam.kit.phones import DIGIT_TRANSLATION
from payam.kit.repository import Repository
from payam.models import (
    Campaign,
    CampaignSender,
    CampaignStatus,
    MessageDay,
    ProviderName,
    Sender,
    SenderStatus,
    SubscriptionGrant,
    User,
    UserRole,
    UserStatus,
)

_PHONE_SEPARATORS = re.compile(r"[\s\-().\u200c\u200f\u200e]")
# What people type before the national number: "+98", "0098" or a trunk "0". Dropping it finds
# "0912 123" and "+98912" alike inside the stored "+98912…".
_PHONE_PREFIX = re.compile(r"^(\+|00|0)")
# Campaigns that may still send: what a ban or a suspension stops.
LIVE_STATUSES = (CampaignStatus.RUNNING, CampaignStatus.READY)


def _phone_fragment(query: str) -> str | None:
    digits = _PHONE_SEPARATORS.sub("", query.translate(DIGIT_TRANSLATION))
    if not re.fullmatch(r"\+?[0-9]+", digits):
        return None
    return _PHONE_PREFIX.sub("", digits) or None


def _matches(query: str) -> ColumnElement[bool]:
    # icontains lowercases both sides, so PostgreSQL (case-sensitive LIKE) finds what SQLite and
    # MariaDB find; autoescape makes % and _ in the query plain characters rather than wildcards.
    conditions = [
        User.email.icontains(query, autoescape=True),
        User.username.icontains(query, autoescape=True),
        User.name.icontains(query, autoescape=True),
    ]
    fragment = _phone_fragment(query)
    if fragment is not None:
        conditions.append(User.phone.contains(fragment, autoescape=True))
    return or_(*conditions)


@dataclass(frozen=True, slots=True)
class UserFilter:
    query: str | None = None
    role: UserRole | None = None
    status: UserStatus | None = None
    subscription: SubscriptionState | None = None
    last_login_after: datetime | None = None
    last_login_before: datetime | None = None
    never_signed_in: bool | None = None
    min_messages_this_month: int | None = None
    max_messages_this_month: int | None = None


def month_start(now: datetime) -> date:
    return now.date().replace(day=1)


def _sent_since(day: date) -> Any:
    return (
        select(MessageDay.user_id, func.sum(MessageDay.sent).label("sent"))
        .where(MessageDay.day >= day)
        .group_by(MessageDay.user_id)
        .subquery()
    )


def user_search_statement(
    where: UserFilter, *, sort: UserSort, descending: bool, now: datetime
) -> Select[Any]:
    month = _sent_since(month_start(now))
    sent = func.coalesce(month.c.sent, 0)
    statement = select(User).outerjoin(month, month.c.user_id == User.id)
    if where.query and where.query.strip():
        statement = statement.where(_matches(where.query.strip()))
    if where.role is not None:
        statement = statement.where(User.role == where.role)
    if where.status is not None:
        statement = statement.where(User.status == where.status)
    if where.subscription is SubscriptionState.ACTIVE:
        statement = statement.where(User.subscription_active, User.subscription_expires_at > now)
    elif where.subscription is SubscriptionState.EXPIRED:
        statement = statement.where(User.subscription_expires_at <= now)
    elif where.subscription is SubscriptionState.NONE:
        statement = statement.where(User.subscription_expires_at.is_(None))
    if where.last_login_after is not None:
        statement = statement.where(User.last_login_at >= where.last_login_after)
    if where.last_login_before is not None:
        statement = statement.where(User.last_login_at < where.last_login_before)
    if where.never_signed_in is not None:
        never = User.last_login_at.is_(None)
        statement = statement.where(never if where.never_signed_in else ~never)
    if where.min_messages_this_month is not None:
        statement = statement.where(sent >= where.min_messages_this_month)
    if where.max_messages_this_month is not None:
        statement = statement.where(sent <= where.max_messages_this_month)
    column: Any = sent if sort is UserSort.MESSAGES_THIS_MONTH else getattr(User, sort.value)
    # Empty values last whichever way, as every database agrees to by these two keys.
    ordered = [column.is_(None), column.desc() if descending else column.asc()]
    tie = User.id.desc() if descending else User.id.asc()
    return statement.order_by(*ordered, tie)


class AdminRepository(Repository[User]):
    model = User

    async def names(self, user_ids: Sequence[int]) -> dict[int, str]:
        if not user_ids:
            return {}
        rows = await self.session.execute(
            select(User.id, User.name).where(User.id.in_(set(user_ids)))
        )
        return dict(rows.all())

    async def messages_since(self, user_ids: Sequence[int], day: date) -> dict[int, int]:
        if not user_ids:
            return {}
        rows = await self.session.execute(
            select(MessageDay.user_id, func.sum(MessageDay.sent))
            .where(MessageDay.user_id.in_(user_ids), MessageDay.day >= day)
            .group_by(MessageDay.user_id)
        )
        return {user_id: int(sent or 0) for user_id, sent in rows.all()}

    async def grants(self, user_id: int) -> Sequence[SubscriptionGrant]:
        rows = await self.session.scalars(
            select(SubscriptionGrant)
            .where(SubscriptionGrant.user_id == user_id)
            .order_by(SubscriptionGrant.id.desc())
        )
        return rows.all()

    async def campaigns_by_status(self, user_id: int) -> dict[CampaignStatus, int]:
        rows = await self.session.execute(
            select(Campaign.status, func.count())
            .where(Campaign.user_id == user_id)
            .group_by(Campaign.status)
        )
        return {status: int(count) for status, count in rows.all()}

    async def super_admins_left_besides(self, user_id: int) -> int:
        """Active super admins other than this one. Every active super admin's row is locked
        until the commit, in id order: two admins demoting each other at once wait for one
        another, and the second then counts what the first left (never a deadlock)."""
        rows = await self.session.scalars(
            select(User.id)
            .where(User.role == UserRole.SUPER_ADMIN, User.status == UserStatus.ACTIVE)
            .order_by(User.id)
            .with_for_update()
        )
        return len([found for found in rows.all() if found != user_id])

    async def live_campaigns(
        self, *, user_id: int | None = None, sender_id: int | None = None
    ) -> list[Campaign]:
        """A user's (or a number's) campaigns that may still send, locked for the change."""
        statement = select(Campaign).where(Campaign.status.in_(LIVE_STATUSES))
        if user_id is not None:
            statement = statement.where(Campaign.user_id == user_id)
        if sender_id is not None:
            on_number = select(CampaignSender.campaign_id).where(
                CampaignSender.sender_id == sender_id
            )
            statement = statement.where(Campaign.id.in_(on_number))
        rows = await self.session.scalars(statement.order_by(Campaign.id).with_for_update())
        return list(rows.all())


@dataclass(frozen=True, slots=True)
class CampaignFilter:
    user_id: int | None = None
    status: CampaignStatus | None = None
    sender_id: int | None = None
    query: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None


def campaign_search_statement(where: CampaignFilter) -> Select[Any]:
    """Every user's campaigns, newest first."""
    statement = select(Campaign).order_by(Campaign.id.desc())
    if where.user_id is not None:
        statement = statement.where(Campaign.user_id == where.user_id)
    if where.status is not None:
        statement = statement.where(Campaign.status == where.status)
    if where.sender_id is not None:
        statement = statement.where(
            Campaign.id.in_(
                select(CampaignSender.campaign_id).where(
                    CampaignSender.sender_id == where.sender_id
                )
            )
        )
    if where.query and where.query.strip():
        statement = statement.where(Campaign.title.icontains(where.query.strip(), autoescape=True))
    if where.created_after is not None:
        statement = statement.where(Campaign.created_at >= where.created_after)
    if where.created_before is not None:
        statement = statement.where(Campaign.created_at < where.created_before)
    return statement


@dataclass(frozen=True, slots=True)
class NumberFilter:
    user_id: int | None = None
    provider: ProviderName | None = None
    status: SenderStatus | None = None
    suspended: bool | None = None
    phone: str | None = None


def number_search_statement(where: NumberFilter) -> Select[Any]:
    statement = select(Sender).order_by(Sender.id.desc())
    if where.user_id is not None:
        statement = statement.where(Sender.user_id == where.user_id)
    if where.provider is not None:
        statement = statement.where(Sender.provider == where.provider)
    if where.status is not None:
        statement = statement.where(Sender.status == where.status)
    if where.suspended is not None:
        suspended = Sender.suspended_at.is_not(None)
        statement = statement.where(suspended if where.suspended else ~suspended)
    if where.phone:
        fragment = _phone_fragment(where.phone)
        if fragment is not None:
            statement = statement.where(Sender.phone.contains(fragment, autoescape=True))
    return statement


@dataclass(frozen=True, slots=True)
class DispatchLag:
    late_numbers: int  # numbers with a running campaign whose next send is due
    oldest_due_at: datetime | None  # the earliest of their due times
    overdue_starts: int  # scheduled campaigns whose start time has passed
    oldest_start_at: datetime | None


class SystemRepository(Repository[Sender]):
    model = Sender

    async def ping(self) -> None:
        await self.session.execute(select(literal(1)))

    async def leases(self, *, now: datetime) -> list[tuple[str, int, datetime]]:
        """(worker, number, lease end) for every live lease: who holds which number now."""
        rows = await self.session.execute(
            select(Sender.lease_owner, Sender.id, Sender.lease_expires_at)
            .where(Sender.lease_owner.is_not(None), Sender.lease_expires_at > now)
            .order_by(Sender.lease_owner, Sender.id)
        )
        return [(str(row[0]), row[1], row[2]) for row in rows.all() if row[2] is not None]

    async def numbers_by_state(self) -> list[tuple[ProviderName, SenderStatus, bool, int]]:
        suspended = Sender.suspended_at.is_not(None)
        rows = await self.session.execute(
            select(Sender.provider, Sender.status, suspended, func.count())
            .group_by(Sender.provider, Sender.status, suspended)
            .order_by(Sender.provider, Sender.status, suspended)
        )
        return [(row[0], row[1], bool(row[2]), int(row[3])) for row in rows.all()]

    async def dispatch_lag(self, *, now: datetime) -> DispatchLag:
        running = (
            select(CampaignSender.sender_id)
            .join(Campaign, Campaign.id == CampaignSender.campaign_id)
            .where(Campaign.status == CampaignStatus.RUNNING)
        )
        due = (
            await self.session.execute(
                select(func.count(), func.min(Sender.next_send_at)).where(
                    Sender.may_send,
                    Sender.id.in_(running),
                    or_(Sender.next_send_at.is_(None), Sender.next_send_at <= now),
                )
            )
        ).one()
        starts = (
            await self.session.execute(
                select(func.count(), func.min(Campaign.scheduled_at)).where(
                    Campaign.status == CampaignStatus.READY, Campaign.scheduled_at <= now
                )
            )
        ).one()
        return DispatchLag(
            late_numbers=int(due[0]),
            oldest_due_at=_aware(due[1]),
            overdue_starts=int(starts[0]),
            oldest_start_at=_aware(starts[1]),
        )


def _aware(value: datetime | None) -> datetime | None:
    # An aggregate's result skips the column type: SQLite and MariaDB give naive UTC (or text).
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
