"""Which gateway serves a payment: built per request from the process's settings."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from payam.billing.gateways.base import PaymentGateway
from payam.billing.gateways.sandbox import SandboxGateway
from payam.billing.gateways.zarinpal import ZarinpalGateway
from payam.config import PaymentGatewayName
from payam.kit.errors import InvalidInput
from payam.runtime import Runtime


def build_gateway(name: str, *, runtime: Runtime, session: AsyncSession) -> PaymentGateway:
    settings = runtime.settings
    if name not in {gateway.value for gateway in settings.payment_gateways}:
        enabled = ", ".join(gateway.value for gateway in settings.payment_gateways)
        raise InvalidInput(f"This gateway is not enabled; use one of: {enabled}", field="gateway")
    if name == PaymentGatewayName.ZARINPAL:
        return ZarinpalGateway.from_settings(settings, http_client=runtime.http_client)
    return SandboxGateway(session, public_url=settings.public_url)
