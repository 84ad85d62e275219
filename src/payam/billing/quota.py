"""Message quota as a service other modules call: reserve, then settle as used or given back.

Every change is one conditional UPDATE, so it is atomic on each database and safe with several
campaigns and several processes drawing on one subscription at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from payam.billing.errors import QuotaRefusal, QuotaRefused
from payam.kit.clock import utc_now
from payam.models import QuotaReservation, ReservationStatus, Subscription


@dataclass(frozen=True, slots=True)
class Reservation:
    id: int
    amount: int


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0))


class QuotaService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def reserve(
        self, user_id: int, count: int, *, reference: str | None = None
    ) -> Reservation:
        """Set ``count`` messages aside, or refuse naming why (none, expired or spent)."""
        if count <= 0:
            raise ValueError("a reservation is for at least one message")
        now = utc_now()
        left = (
            Subscription.messages_granted
            - Subscription.messages_used
            - Subscription.messages_reserved
        )
        moved = await self.session.execute(
            update(Subscription)
            .where(Subscription.user_id == user_id, Subscription.expires_at > now, left >= count)
            .values(messages_reserved=Subscription.messages_reserved + count)
            .execution_options(synchronize_session=False)
        )
        if _rowcount(moved) != 1:
            raise await self._refusal(user_id, count)
        subscription_id = await self.session.scalar(
            select(Subscription.id).where(Subscription.user_id == user_id)
        )
        assert subscription_id is not None
        reservation = QuotaReservation(
            user_id=user_id, subscription_id=subscription_id, amount=count, reference=reference
        )
        self.session.add(reservation)
        await self.session.flush()
        return Reservation(id=reservation.id, amount=count)

    async def _refusal(self, user_id: int, count: int) -> QuotaRefused:
        subscription = await self.session.scalar(
            select(Subscription)
            .where(Subscription.user_id == user_id)
            .execution_options(populate_existing=True)
        )
        if subscription is None:
            return QuotaRefused(QuotaRefusal.NO_SUBSCRIPTION, requested=count, available=0)
        if subscription.expires_at <= utc_now():
            return QuotaRefused(QuotaRefusal.SUBSCRIPTION_EXPIRED, requested=count, available=0)
        available = max(
            0,
            subscription.messages_granted
            - subscription.messages_used
            - subscription.messages_reserved,
        )
        return QuotaRefused(QuotaRefusal.QUOTA_EXHAUSTED, requested=count, available=available)

    async def settle(self, reservation_id: int, *, used: int) -> bool:
        """Count ``used`` of the reserved messages as spent and give the rest back.

        Idempotent: a reservation settles once; later calls change nothing and return False.
        """
        reservation = await self.session.get(QuotaReservation, reservation_id)
        if reservation is None:
            raise LookupError(f"no quota reservation {reservation_id}")
        if not 0 <= used <= reservation.amount:
            raise ValueError(f"used must be between 0 and {reservation.amount}")
        claimed = await self.session.execute(
            update(QuotaReservation)
            .where(
                QuotaReservation.id == reservation_id,
                QuotaReservation.status == ReservationStatus.HELD,
            )
            .values(status=ReservationStatus.SETTLED, used=used, settled_at=utc_now())
            .execution_options(synchronize_session=False)
        )
        if _rowcount(claimed) != 1:
            return False
        await self.session.execute(
            update(Subscription)
            .where(Subscription.id == reservation.subscription_id)
            .values(
                messages_reserved=Subscription.messages_reserved - reservation.amount,
                messages_used=Subscription.messages_used + used,
            )
            .execution_options(synchronize_session=False)
        )
        return True

    async def commit(self, reservation_id: int) -> bool:
        """All reserved messages were sent."""
        reservation = await self.session.get(QuotaReservation, reservation_id)
        if reservation is None:
            raise LookupError(f"no quota reservation {reservation_id}")
        return await self.settle(reservation_id, used=reservation.amount)

    async def release(self, reservation_id: int) -> bool:
        """None were sent (failure or cancel): every reserved message goes back."""
        return await self.settle(reservation_id, used=0)
