"""The sandbox gateway: a stand-in for a bank's payment page, for the embedded mode and tests.

It keeps its own ledger (``sandbox_charges``) and answers verify with Zarinpal's codes, so the
checkout code path is the same one a real gateway takes.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from payam.billing.gateways.base import (
    CallbackParameters,
    PaymentRequest,
    StartedPayment,
    Verification,
    VerificationOutcome,
)
from payam.kit.clock import utc_now
from payam.models import SandboxCharge

SANDBOX_PAGE_PATH = "/api/v1/payments/sandbox"


class SandboxGateway:
    name = "sandbox"

    def __init__(self, session: AsyncSession, *, public_url: str) -> None:
        self.session = session
        self.public_url = public_url.rstrip("/")

    async def start(self, request: PaymentRequest) -> StartedPayment:
        authority = "SBX" + secrets.token_hex(16).upper()
        self.session.add(
            SandboxCharge(
                authority=authority,
                amount=request.amount,
                currency=request.currency,
                description=request.description[:255],
                callback_url=request.callback_url,
            )
        )
        await self.session.flush()
        return StartedPayment(
            authority=authority, redirect_url=f"{self.public_url}{SANDBOX_PAGE_PATH}/{authority}"
        )

    async def verify(self, *, authority: str, amount: int, currency: str) -> Verification:
        charge = await self.session.scalar(
            select(SandboxCharge).where(SandboxCharge.authority == authority)
        )
        if charge is None:
            return Verification(VerificationOutcome.FAILED, -54, "Unknown authority")
        if charge.amount != amount or charge.currency != currency:
            return Verification(VerificationOutcome.FAILED, -50, "The amount does not match")
        if charge.approved_at is None:
            return Verification(VerificationOutcome.FAILED, -51, "The payer did not pay")
        if charge.verified_at is not None:
            return Verification(
                VerificationOutcome.ALREADY_VERIFIED, 101, "Verified before", charge.ref_id
            )
        ref_id = str(secrets.randbelow(10**10)).zfill(10)
        first = await self.session.execute(
            update(SandboxCharge)
            .where(SandboxCharge.id == charge.id, SandboxCharge.verified_at.is_(None))
            .values(verified_at=utc_now(), ref_id=ref_id)
            .execution_options(synchronize_session=False)
        )
        if getattr(first, "rowcount", 0) != 1:
            return Verification(VerificationOutcome.ALREADY_VERIFIED, 101, "Verified before")
        return Verification(
            VerificationOutcome.PAID, 100, "Paid", ref_id=ref_id, card_pan="6037-99**-****-1234"
        )

    def parse_callback(self, query: Mapping[str, str]) -> CallbackParameters:
        authority = query.get("Authority", "").strip()
        if not authority:
            raise ValueError("the callback carries no Authority")
        return CallbackParameters(authority=authority, payer_approved=query.get("Status") == "OK")

    async def decide(self, authority: str, *, approve: bool) -> SandboxCharge | None:
        """What the payer's click on the sandbox page does; None for an unknown authority."""
        charge = await self.session.scalar(
            select(SandboxCharge).where(SandboxCharge.authority == authority)
        )
        if charge is None:
            return None
        if charge.approved_at is None and charge.cancelled_at is None:
            if approve:
                charge.approved_at = utc_now()
            else:
                charge.cancelled_at = utc_now()
        return charge

    async def charge(self, authority: str) -> SandboxCharge | None:
        return await self.session.scalar(
            select(SandboxCharge).where(SandboxCharge.authority == authority)
        )
