"""Checkout and the gateway's callback: every attempt a row, every change an event.

A payment is credited at most once: the callback locks the row and moves it out of PENDING with a
conditional UPDATE, and a grant's payment_id is unique, so a replayed, forged or doubled callback
finds nothing left to do.

No transaction waits on the gateway, which may take up to its timeout to answer (decision 4): the
attempt is committed before the gateway is asked, and its answer is recorded in a transaction of
its own, which locks the row only then.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from payam.audit.service import record_audit
from payam.auth.repository import UserRepository
from payam.billing.errors import GatewayNotAvailable, PaymentFailed
from payam.billing.gateways.base import (
    GatewayRefused,
    GatewayUnavailable,
    PaymentGateway,
    PaymentRequest,
    VerificationOutcome,
)
from payam.billing.gateways.registry import build_gateway
from payam.billing.packages import PackageService
from payam.billing.repository import PackageRepository, PaymentFilter, PaymentRepository
from payam.billing.subscriptions import SubscriptionService
from payam.db.session import commit_now
from payam.kit.clock import utc_now
from payam.kit.errors import InvalidInput, NotFound
from payam.kit.pagination import Page, PageParams
from payam.models import GrantSource, Invoice, Payment, PaymentEvent, PaymentStatus, User
from payam.runtime import Runtime

CALLBACK_PATH = "/api/v1/payments/callback"
# Gateways answer this while the payer has not paid (yet): a later callback may still succeed.
NOT_PAID_YET = -51


def _still_open(payment: Payment) -> bool:
    """Undecided: PENDING, or FAILED as not paid yet (PaymentRepository.decide, in SQL)."""
    return payment.status is PaymentStatus.PENDING or (
        payment.status is PaymentStatus.FAILED and payment.result_code == NOT_PAID_YET
    )


@dataclass(frozen=True, slots=True)
class StartedCheckout:
    payment: Payment
    redirect_url: str


class PaymentService:
    def __init__(self, session: AsyncSession, *, runtime: Runtime) -> None:
        self.session = session
        self.runtime = runtime
        self.settings = runtime.settings
        self.repository = PaymentRepository(session)

    def _gateway(self, name: str) -> PaymentGateway:
        return build_gateway(name, runtime=self.runtime, session=self.session)

    def _record(self, payment: Payment, note: str, details: dict[str, Any] | None = None) -> None:
        self.session.add(
            PaymentEvent(
                payment_id=payment.id, status=payment.status, note=note, details=details or {}
            )
        )

    async def checkout(self, user: User, *, package_id: int, gateway_name: str) -> StartedCheckout:
        package = await PackageService(self.session).get(package_id, only_active=True)
        if package.price <= 0:
            raise InvalidInput(
                "A free package is granted by an admin, not bought", field="package_id"
            )
        gateway = self._gateway(gateway_name)
        payment = Payment(
            user_id=user.id,
            package_id=package.id,
            gateway=gateway.name,
            amount=package.price,
            currency=self.settings.currency,
            status=PaymentStatus.PENDING,
        )
        self.session.add(payment)
        await self.session.flush()
        self._record(payment, "created")
        request = PaymentRequest(
            amount=int(package.price),
            currency=payment.currency,
            description=f"Payam: {package.title}",
            callback_url=f"{self.settings.public_url.rstrip('/')}{CALLBACK_PATH}/{gateway.name}",
            order_id=str(payment.id),
            mobile=user.phone,
            email=user.email,
        )
        # On record before the gateway is asked, and no transaction waits for its answer.
        await commit_now(self.session)
        try:
            started = await gateway.start(request)
        except GatewayRefused as refused:
            self._fail(payment, reason=str(refused), code=refused.code)
            raise PaymentFailed(str(refused), keeps_changes=True) from refused
        except GatewayUnavailable as unavailable:
            self._fail(payment, reason=f"gateway unavailable: {unavailable}", code=None)
            raise GatewayNotAvailable(keeps_changes=True) from unavailable
        payment.authority = started.authority
        self._record(payment, "sent to the gateway", {"authority": started.authority})
        return StartedCheckout(payment=payment, redirect_url=started.redirect_url)

    def _fail(self, payment: Payment, *, reason: str, code: int | None) -> None:
        payment.status = PaymentStatus.FAILED
        payment.failure_reason = reason
        payment.result_code = code
        self._record(payment, "failed", {"code": code, "reason": reason})

    async def complete(self, gateway_name: str, query: Mapping[str, str]) -> Payment:
        """Handle the payer's return: verify with the gateway and credit the package once."""
        gateway = self._gateway(gateway_name)
        try:
            callback = gateway.parse_callback(query)
        except ValueError as exc:
            raise InvalidInput(str(exc), field="Authority") from exc
        payment = await self._by_authority(gateway.name, callback.authority)
        if not _still_open(payment):
            return payment  # a replay: an earlier callback already decided
        # No transaction waits for the gateway's answer; the decision takes one of its own.
        await commit_now(self.session)
        try:
            # The amount comes from our row, never from the callback.
            verification = await gateway.verify(
                authority=callback.authority,
                amount=int(payment.amount),
                currency=payment.currency,
            )
        except GatewayUnavailable as exc:
            # Nothing is decided: the payment stays PENDING and the payer can come back.
            raise GatewayNotAvailable() from exc
        # Another callback may have decided while the gateway answered: decide under the lock.
        payment = await self._by_authority(gateway.name, callback.authority, lock=True)
        if not _still_open(payment):
            return payment
        if verification.outcome is VerificationOutcome.FAILED:
            if await self._decide(payment, status=PaymentStatus.FAILED):
                self._fail(payment, reason=verification.message, code=verification.code)
            return payment
        if not await self._decide(payment, status=PaymentStatus.PAID):
            return payment
        payment.ref_id = verification.ref_id
        payment.card_pan = verification.card_pan
        payment.result_code = verification.code
        payment.paid_at = utc_now()
        self._record(
            payment,
            "paid",
            {"code": verification.code, "ref_id": verification.ref_id},
        )
        await self._credit(payment)
        return payment

    async def _by_authority(self, gateway: str, authority: str, *, lock: bool = False) -> Payment:
        payment = await self.repository.by_authority(gateway, authority, lock=lock)
        if payment is None:
            raise NotFound("No payment has this authority", field="Authority")
        return payment

    async def _decide(self, payment: Payment, *, status: PaymentStatus) -> bool:
        if not await self.repository.decide(payment.id, status, reopened_by=NOT_PAID_YET):
            return False
        payment.status = status
        return True

    async def _credit(self, payment: Payment) -> None:
        user = await UserRepository(self.session).get(payment.user_id)
        package = await PackageRepository(self.session).get(payment.package_id)
        assert user is not None
        assert package is not None
        await SubscriptionService(self.session).extend(
            user, package, source=GrantSource.PAYMENT, payment_id=payment.id
        )
        invoice = Invoice(
            number=f"PENDING-{payment.id}",
            payment_id=payment.id,
            user_id=user.id,
            billed_name=user.name,
            # Empty for an account whose e-mail another account took over before it verified it.
            billed_email=user.email or "",
            package_title=package.title,
            days=package.duration_days,
            messages=package.message_limit,
            amount=payment.amount,
            currency=payment.currency,
            gateway=payment.gateway,
            ref_id=payment.ref_id,
        )
        self.session.add(invoice)
        await self.session.flush()
        # Numbered by the row id: unique, increasing, and never reused. Flushed at once, or a
        # read in the same transaction (the result page's) would still see the placeholder.
        invoice.number = f"INV-{invoice.issued_at:%Y}-{invoice.id:06d}"
        await self.session.flush()
        record_audit(
            self.session,
            action="billing.package_bought",
            actor_id=user.id,
            subject_user_id=user.id,
            details={"payment_id": payment.id, "package_id": package.id},
        )

    async def get_own(self, user: User, payment_id: int) -> Payment:
        return await self.repository.get_or_404(payment_id, owner_id=user.id)

    async def search(self, params: PageParams, where: PaymentFilter) -> Page[Payment]:
        """Payments, newest first: a user's own, or (for admins) any."""
        return await self.repository.search(params, where)

    async def events(self, payment_id: int) -> Sequence[PaymentEvent]:
        return await self.repository.events(payment_id)

    async def invoice_numbers(self, payment_ids: Sequence[int]) -> dict[int, str]:
        return await self.repository.invoice_numbers(payment_ids)

    async def invoice_for(self, user: User, payment_id: int) -> Invoice:
        await self.get_own(user, payment_id)
        invoice = await self.repository.invoice(payment_id)
        if invoice is None:
            raise NotFound("This payment has no invoice: it was not paid")
        return invoice
