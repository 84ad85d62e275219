"""Periods of service: buying or being given a package starts a subscription or extends it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from payam.kit.clock import utc_now
from payam.models import GrantSource, Package, Subscription, SubscriptionGrant, User


def is_active(subscription: Subscription | None, *, now: datetime) -> bool:
    return subscription is not None and subscription.expires_at > now


def messages_left(subscription: Subscription) -> int:
    return max(
        0,
        subscription.messages_granted - subscription.messages_used - subscription.messages_reserved,
    )


class SubscriptionService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def current(self, user_id: int) -> Subscription | None:
        return await self.session.scalar(
            select(Subscription)
            .where(Subscription.user_id == user_id)
            .execution_options(populate_existing=True)
        )

    async def extend(
        self,
        user: User,
        package: Package,
        *,
        source: GrantSource,
        payment_id: int | None = None,
        granted_by_id: int | None = None,
        reason: str | None = None,
    ) -> Subscription:
        """Add ``package``'s days and messages.

        A live subscription stacks: days are added to its end and messages to what is left. An
        expired one starts afresh today; its unused messages expired with it.
        """
        now = utc_now()
        subscription = await self._locked_or_new(user.id, now=now)
        days = timedelta(days=package.duration_days)
        if subscription.expires_at > now:
            new_end = subscription.expires_at + days
            values = {
                "expires_at": new_end,
                "messages_granted": Subscription.messages_granted + package.message_limit,
            }
        else:
            new_end = now + days
            values = {
                "started_at": now,
                "expires_at": new_end,
                "messages_granted": package.message_limit,
                "messages_used": 0,
            }
        await self.session.execute(
            update(Subscription)
            .where(Subscription.id == subscription.id)
            .values(package_id=package.id, **values)
            .execution_options(synchronize_session=False)
        )
        self.session.add(
            SubscriptionGrant(
                user_id=user.id,
                package_id=package.id,
                source=source,
                payment_id=payment_id,
                granted_by_id=granted_by_id,
                reason=reason,
                days=package.duration_days,
                messages=package.message_limit,
                period_ends_at=new_end,
            )
        )
        # The seed's columns on the user mirror the subscription row, in the same transaction.
        user.subscription_active = True
        user.subscription_expires_at = new_end
        await self.session.flush()
        refreshed = await self.current(user.id)
        assert refreshed is not None
        return refreshed

    async def _locked_or_new(self, user_id: int, *, now: datetime) -> Subscription:
        statement = (
            select(Subscription)
            .where(Subscription.user_id == user_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        existing = await self.session.scalar(statement)
        if existing is not None:
            return existing
        # An empty, already-expired row, so the caller has one code path; a concurrent first
        # purchase loses the unique race and takes the winner's row instead.
        try:
            async with self.session.begin_nested():
                self.session.add(Subscription(user_id=user_id, started_at=now, expires_at=now))
        except IntegrityError:
            pass
        found = await self.session.scalar(statement)
        assert found is not None
        return found
