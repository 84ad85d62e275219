"""Periods of service: buying or being given a package starts a subscription or extends it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from payam.audit.service import record_audit
from payam.auth.repository import UserRepository
from payam.billing.packages import PackageService, to_package_schema
from payam.billing.repository import PackageRepository, SubscriptionRepository
from payam.billing.schemas import SubscriptionView
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
        self.repository = SubscriptionRepository(session)

    async def current(self, user_id: int) -> Subscription | None:
        return await self.repository.of_user(user_id)

    async def view(self, user_id: int, *, currency: str) -> SubscriptionView:
        """The user's package, its dates, and the messages used and left."""
        subscription = await self.current(user_id)
        if subscription is None:
            return SubscriptionView(
                active=False,
                package=None,
                started_at=None,
                expires_at=None,
                messages_granted=0,
                messages_used=0,
                messages_reserved=0,
                messages_left=0,
            )
        package = (
            await PackageRepository(self.session).get(subscription.package_id)
            if subscription.package_id is not None
            else None
        )
        active = is_active(subscription, now=utc_now())
        return SubscriptionView(
            active=active,
            package=to_package_schema(package, currency=currency) if package else None,
            started_at=subscription.started_at,
            expires_at=subscription.expires_at,
            messages_granted=subscription.messages_granted,
            messages_used=subscription.messages_used,
            messages_reserved=subscription.messages_reserved,
            messages_left=messages_left(subscription) if active else 0,
        )

    async def view_for_admin(self, user_id: int, *, currency: str) -> SubscriptionView:
        """Any user's subscription; an unknown user is not found."""
        await UserRepository(self.session).get_or_404(user_id)
        return await self.view(user_id, currency=currency)

    async def grant(
        self,
        user_id: int,
        package_id: int,
        *,
        admin: User,
        reason: str | None,
        ip_address: str | None,
    ) -> None:
        """An admin gives a user a package by hand (bank transfer, gift); it stacks like a
        purchase."""
        user = await UserRepository(self.session).get_or_404(user_id)
        package = await PackageService(self.session).get(package_id)
        await self.extend(
            user, package, source=GrantSource.ADMIN, granted_by_id=admin.id, reason=reason
        )
        record_audit(
            self.session,
            action="admin.package_granted",
            actor_id=admin.id,
            subject_user_id=user.id,
            ip_address=ip_address,
            details={"package_id": package.id, "reason": reason},
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
        # An empty, already-expired row when there is none, so there is one code path.
        subscription = await self.repository.lock_or_create(user.id, now=now)
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
        await self.repository.set_period(subscription.id, package_id=package.id, **values)
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
