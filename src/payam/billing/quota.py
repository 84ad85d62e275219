"""Message quota as a service other modules call: reserve, then settle as used or given back.

Every change is one conditional UPDATE, so it is atomic on each database and safe with several
campaigns and several processes drawing on one subscription at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from payam.billing.errors import QuotaRefusal, QuotaRefused
from payam.billing.repository import ReservationRepository, SubscriptionRepository
from payam.kit.clock import utc_now
from payam.models import QuotaReservation


@dataclass(frozen=True, slots=True)
class Reservation:
    id: int
    amount: int


class QuotaService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.subscriptions = SubscriptionRepository(session)
        self.reservations = ReservationRepository(session)

    async def reserve(
        self, user_id: int, count: int, *, reference: str | None = None
    ) -> Reservation:
        """Set ``count`` messages aside, or refuse naming why (none, expired or spent)."""
        if count <= 0:
            raise ValueError("a reservation is for at least one message")
        if not await self.subscriptions.reserve(user_id, count, now=utc_now()):
            raise await self._refusal(user_id, count)
        subscription_id = await self.subscriptions.id_of(user_id)
        assert subscription_id is not None
        reservation = QuotaReservation(
            user_id=user_id, subscription_id=subscription_id, amount=count, reference=reference
        )
        self.session.add(reservation)
        await self.session.flush()
        return Reservation(id=reservation.id, amount=count)

    async def _refusal(self, user_id: int, count: int) -> QuotaRefused:
        subscription = await self.subscriptions.of_user(user_id)
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
        reservation = await self._reservation(reservation_id)
        if not 0 <= used <= reservation.amount:
            raise ValueError(f"used must be between 0 and {reservation.amount}")
        if not await self.reservations.settle(reservation_id, used=used, now=utc_now()):
            return False
        await self.subscriptions.settle(
            reservation.subscription_id, reserved=reservation.amount, used=used
        )
        return True

    async def commit(self, reservation_id: int) -> bool:
        """All reserved messages were sent."""
        reservation = await self._reservation(reservation_id)
        return await self.settle(reservation_id, used=reservation.amount)

    async def release(self, reservation_id: int) -> bool:
        """None were sent (failure or cancel): every reserved message goes back."""
        return await self.settle(reservation_id, used=0)

    async def _reservation(self, reservation_id: int) -> QuotaReservation:
        reservation = await self.reservations.get(reservation_id)
        if reservation is None:
            raise LookupError(f"no quota reservation {reservation_id}")
        return reservation
