from __future__ import annotations

from enum import StrEnum

from payam.kit.errors import FieldProblem, PayamError


class QuotaRefusal(StrEnum):
    NO_SUBSCRIPTION = "NO_SUBSCRIPTION"
    SUBSCRIPTION_EXPIRED = "SUBSCRIPTION_EXPIRED"
    QUOTA_EXHAUSTED = "QUOTA_EXHAUSTED"


_REFUSAL_TEXT = {
    QuotaRefusal.NO_SUBSCRIPTION: "You have no subscription; buy a package to send messages",
    QuotaRefusal.SUBSCRIPTION_EXPIRED: "Your subscription has expired; renew it to send messages",
    QuotaRefusal.QUOTA_EXHAUSTED: "Your message quota is used up; buy a package for more",
}


class QuotaRefused(PayamError):
    status_code = 402
    type_slug = "quota-refused"
    title = "No messages left to send"

    def __init__(self, reason: QuotaRefusal, *, requested: int, available: int) -> None:
        self.reason = reason
        self.requested = requested
        self.available = available
        super().__init__(
            _REFUSAL_TEXT[reason],
            problems=[FieldProblem(None, reason.value)],
        )


class PaymentFailed(PayamError):
    status_code = 402
    type_slug = "payment-failed"
    title = "The payment did not go through"


class GatewayNotAvailable(PayamError):
    status_code = 503
    type_slug = "gateway-unavailable"
    title = "The payment gateway cannot be reached; try again in a moment"
