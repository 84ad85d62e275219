"""Message quota as a service other modules call: reserve, then settle as used or given back.

A reservation locks the subscription rows (in their users' order) before checking and moving
them; a settlement locks its reservations, so only one caller settles each. Both are safe with
several campaigns and several processes drawing on one subscription at once, and take many
users' or reservations' changes in a few statements (the dispatcher's claims and records).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from payam.billing.errors import QuotaRefusal, QuotaRefused
from payam.billing.repository import ReservationRepository, SubscriptionRepository
from payam.kit.clock import utc_now
from payam.models import QuotaReservation, Subscription


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
        [reserved] = (await self.reserve_many({user_id: [(count, reference)]})).values()
        if isinstance(reserved, QuotaRefused):
            raise reserved
        return reserved[0]

    async def reserve_many(
        self, wanted: Mapping[int, Sequence[tuple[int, str | None]]]
    ) -> dict[int, list[Reservation] | QuotaRefused]:
        """For each user, one reservation per (count, reference), all of the user's or none
        (the refusal saying why): the dispatcher reserves for every number due at a tick in a
        few statements, whatever their number. Subscriptions are locked in their users' order,
        so concurrent reservations can neither overspend nor deadlock."""
        if any(count <= 0 for parts in wanted.values() for count, _ in parts) or not all(
            wanted.values()
        ):
            raise ValueError("a reservation is for at least one message")
        subscriptions = {
            row.user_id: row for row in await self.subscriptions.of_users_locked(list(wanted))
        }
        now = utc_now()
        answers: dict[int, list[Reservation] | QuotaRefused] = {}
        granted: list[tuple[Subscription, Sequence[tuple[int, str | None]]]] = []
        for user_id in sorted(wanted):
            parts = wanted[user_id]
            refusal = _refusal(
                subscriptions.get(user_id), sum(count for count, _ in parts), now=now
            )
            if refusal is not None:
                answers[user_id] = refusal
            else:
                granted.append((subscriptions[user_id], parts))
        if not granted:
            return answers
        await self.subscriptions.add_reserved(
            [(row.id, sum(count for count, _ in parts)) for row, parts in granted]
        )
        made = {
            row.user_id: [
                QuotaReservation(
                    user_id=row.user_id,
                    subscription_id=row.id,
                    amount=count,
                    reference=reference,
                )
                for count, reference in parts
            ]
            for row, parts in granted
        }
        self.session.add_all([reservation for rows in made.values() for reservation in rows])
        await self.session.flush()
        for user_id, rows in made.items():
            answers[user_id] = [Reservation(id=row.id, amount=row.amount) for row in rows]
        return answers

    async def settle(self, reservation_id: int, *, used: int) -> bool:
        """Count ``used`` of the reserved messages as spent and give the rest back.

        Idempotent: a reservation settles once; later calls change nothing and return False.
        """
        reservation = await self._reservation(reservation_id)
        if not 0 <= used <= reservation.amount:
            raise ValueError(f"used must be between 0 and {reservation.amount}")
        return reservation_id in await self.settle_each({reservation_id: used})

    async def settle_each(self, used: Mapping[int, int]) -> set[int]:
        """``settle`` for many reservations (id → used) in a few statements whatever their
        number; returns those settled now (the others were settled already)."""
        held = await self.reservations.held_for_update(list(used))
        for row in held:
            if not 0 <= used[row.id] <= row.amount:
                raise ValueError(f"used must be between 0 and {row.amount}")
        if not held:
            return set()
        await self.reservations.mark_settled({row.id: used[row.id] for row in held}, now=utc_now())
        # Subscriptions in their users' order, as ``reserve_each`` callers take them.
        per_user: dict[tuple[int, int], tuple[int, int]] = {}
        for row in held:
            reserved, spent = per_user.get((row.user_id, row.subscription_id), (0, 0))
            per_user[(row.user_id, row.subscription_id)] = (
                reserved + row.amount,
                spent + used[row.id],
            )
        await self.subscriptions.settle(
            [(subscription, *amounts) for (_, subscription), amounts in sorted(per_user.items())]
        )
        return {row.id for row in held}

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


def _refusal(
    subscription: Subscription | None, count: int, *, now: datetime
) -> QuotaRefused | None:
    """Why ``count`` messages cannot be set aside on this (locked) subscription, if they cannot."""
    if subscription is None:
        return QuotaRefused(QuotaRefusal.NO_SUBSCRIPTION, requested=count, available=0)
    if subscription.expires_at <= now:
        return QuotaRefused(QuotaRefusal.SUBSCRIPTION_EXPIRED, requested=count, available=0)
    available = max(
        0,
        subscription.messages_granted - subscription.messages_used - subscription.messages_reserved,
    )
    if available < count:
        return QuotaRefused(QuotaRefusal.QUOTA_EXHAUSTED, requested=count, available=available)
    return None
