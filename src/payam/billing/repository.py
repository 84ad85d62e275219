"""All of billing's SQL: the catalogue, subscriptions and their quota, payments and invoices.

One class per table (each a ``Repository`` of it), in one module because billing's areas share
their rows: a purchase extends a subscription, the quota is the subscription's counters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Row,
    SQLColumnExpression,
    Table,
    and_,
    bindparam,
    exists,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from payam.kit.pagination import Page, PageParams
from payam.kit.repository import Repository
from payam.models import (
    Invoice,
    Package,
    PackageStatus,
    Payment,
    PaymentEvent,
    PaymentStatus,
    QuotaReservation,
    ReservationStatus,
    Subscription,
    SubscriptionGrant,
)


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0))


class PackageRepository(Repository[Package]):
    model = Package

    async def catalogue(self, *, only_active: bool) -> Sequence[Package]:
        """The packages, cheapest first."""
        statement = select(Package).order_by(Package.price, Package.id)
        if only_active:
            statement = statement.where(Package.status == PackageStatus.ACTIVE)
        return (await self.session.scalars(statement)).all()

    async def was_sold(self, package_id: int) -> bool:
        """Whether anyone ever paid for this package or was granted it."""
        sold = await self.session.scalar(
            select(
                or_(
                    exists().where(Payment.package_id == package_id),
                    exists().where(SubscriptionGrant.package_id == package_id),
                )
            )
        )
        return bool(sold)


class SubscriptionRepository(Repository[Subscription]):
    model = Subscription

    async def of_user(self, user_id: int) -> Subscription | None:
        """The user's subscription as the database has it now (not as this session last saw it)."""
        return await self.session.scalar(
            select(Subscription)
            .where(Subscription.user_id == user_id)
            .execution_options(populate_existing=True)
        )

    async def lock_or_create(self, user_id: int, *, now: datetime) -> Subscription:
        """The user's subscription, locked; an empty one that ended ``now`` if there was none."""
        statement = (
            select(Subscription)
            .where(Subscription.user_id == user_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        existing = await self.session.scalar(statement)
        if existing is not None:
            return existing
        # A concurrent first purchase loses the unique race and takes the winner's row instead.
        try:
            async with self.session.begin_nested():
                self.session.add(Subscription(user_id=user_id, started_at=now, expires_at=now))
        except IntegrityError:
            pass
        found = await self.session.scalar(statement)
        assert found is not None
        return found

    async def set_period(self, subscription_id: int, **values: Any) -> None:
        await self.session.execute(
            update(Subscription)
            .where(Subscription.id == subscription_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )

    # ---- quota (decision 6) --------------------------------------------------------------

    async def of_users_locked(self, user_ids: Sequence[int]) -> list[Subscription]:
        """These users' subscriptions as the database has them, locked in their users' order
        (the order every reservation and settlement takes them in)."""
        rows = await self.session.scalars(
            select(Subscription)
            .where(Subscription.user_id.in_(sorted(user_ids)))
            .order_by(Subscription.user_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return list(rows.all())

    async def add_reserved(self, amounts: Sequence[tuple[int, int]]) -> None:
        """Set aside (subscription, count) messages, on rows ``of_users_locked`` checked."""
        table = cast(Table, Subscription.__table__)
        await self.session.execute(
            update(table)
            .where(table.c.id == bindparam("subscription"))
            .values(messages_reserved=table.c.messages_reserved + bindparam("count")),
            [{"subscription": subscription, "count": count} for subscription, count in amounts],
        )

    async def settle(self, settled: Sequence[tuple[int, int, int]]) -> None:
        """Give back the messages set aside on each (subscription, reserved, used), counting
        ``used`` of them as spent, in the order given (callers go in their users' order)."""
        table = cast(Table, Subscription.__table__)
        await self.session.execute(
            update(table)
            .where(table.c.id == bindparam("subscription"))
            .values(
                messages_reserved=table.c.messages_reserved - bindparam("reserved"),
                messages_used=table.c.messages_used + bindparam("used"),
            ),
            [
                {"subscription": subscription, "reserved": reserved, "used": used}
                for subscription, reserved, used in settled
            ],
        )


class ReservationRepository(Repository[QuotaReservation]):
    model = QuotaReservation

    async def held_for_update(
        self, reservation_ids: Sequence[int]
    ) -> Sequence[Row[int, int, int, int]]:
        """Those of these reservations still HELD (id, amount, subscription, user), locked:
        whoever locks one first settles it, and only once."""
        rows = await self.session.execute(
            select(
                QuotaReservation.id,
                QuotaReservation.amount,
                QuotaReservation.subscription_id,
                QuotaReservation.user_id,
            )
            .where(
                QuotaReservation.id.in_(sorted(reservation_ids)),
                QuotaReservation.status == ReservationStatus.HELD,
            )
            .order_by(QuotaReservation.id)
            .with_for_update()
        )
        return rows.all()

    async def mark_settled(self, used: Mapping[int, int], *, now: datetime) -> None:
        """HELD → SETTLED with what each used (rows ``held_for_update`` locked)."""
        table = cast(Table, QuotaReservation.__table__)
        await self.session.execute(
            update(table)
            .where(
                table.c.id == bindparam("reservation_id"),
                table.c.status == ReservationStatus.HELD,
            )
            .values(status=ReservationStatus.SETTLED, used=bindparam("used_now"), settled_at=now),
            [
                {"reservation_id": reservation_id, "used_now": count}
                for reservation_id, count in sorted(used.items())
            ],
        )

    async def held_since(
        self,
        before: datetime,
        *,
        unless: Callable[[SQLColumnExpression[int]], ColumnElement[bool]],
        limit: int,
    ) -> list[int]:
        """Ids of HELD reservations made before ``before`` for which ``unless(id)`` is false."""
        held = await self.session.scalars(
            select(QuotaReservation.id)
            .where(
                QuotaReservation.status == ReservationStatus.HELD,
                QuotaReservation.created_at < before,
                ~unless(QuotaReservation.id),
            )
            .limit(limit)
        )
        return list(held.all())


def _open_payment(reopened_by: int) -> ColumnElement[bool]:
    return or_(
        Payment.status == PaymentStatus.PENDING,
        and_(Payment.status == PaymentStatus.FAILED, Payment.result_code == reopened_by),
    )


@dataclass(frozen=True, slots=True)
class PaymentFilter:
    """The payments a search keeps: a user's, in a status, through a gateway, started within a
    time range (each if given)."""

    user_id: int | None = None
    status: PaymentStatus | None = None
    gateway: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None


class PaymentRepository(Repository[Payment]):
    model = Payment

    async def search(self, params: PageParams, where: PaymentFilter) -> Page[Payment]:
        """Payments, newest first."""
        statement = select(Payment).order_by(Payment.id.desc())
        if where.user_id is not None:
            statement = statement.where(Payment.user_id == where.user_id)
        if where.status is not None:
            statement = statement.where(Payment.status == where.status)
        if where.gateway is not None:
            statement = statement.where(Payment.gateway == where.gateway)
        if where.created_after is not None:
            statement = statement.where(Payment.created_at >= where.created_after)
        if where.created_before is not None:
            statement = statement.where(Payment.created_at < where.created_before)
        return await self.paginate(statement, params)

    async def by_authority(self, gateway: str, authority: str, *, lock: bool) -> Payment | None:
        statement = select(Payment).where(
            Payment.gateway == gateway, Payment.authority == authority
        )
        if lock:
            statement = statement.with_for_update()
        return await self.session.scalar(statement.execution_options(populate_existing=True))

    async def decide(self, payment_id: int, status: PaymentStatus, *, reopened_by: int) -> bool:
        """Move a payment still open (PENDING, or FAILED with the code ``reopened_by``) to
        ``status``; False when another callback decided it first."""
        moved = await self.session.execute(
            update(Payment)
            .where(Payment.id == payment_id, _open_payment(reopened_by))
            .values(status=status)
            .execution_options(synchronize_session=False)
        )
        return _rowcount(moved) == 1

    async def events(self, payment_id: int) -> Sequence[PaymentEvent]:
        statement = (
            select(PaymentEvent)
            .where(PaymentEvent.payment_id == payment_id)
            .order_by(PaymentEvent.id)
        )
        return (await self.session.scalars(statement)).all()

    async def invoice_numbers(self, payment_ids: Sequence[int]) -> dict[int, str]:
        if not payment_ids:
            return {}
        rows = await self.session.execute(
            select(Invoice.payment_id, Invoice.number).where(Invoice.payment_id.in_(payment_ids))
        )
        return {row.payment_id: row.number for row in rows}

    async def invoice(self, payment_id: int) -> Invoice | None:
        return await self.session.scalar(select(Invoice).where(Invoice.payment_id == payment_id))
