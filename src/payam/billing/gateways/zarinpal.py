"""Zarinpal's payment gateway (REST v4).

The conversation, as Zarinpal documents it (https://www.zarinpal.com/docs/paymentGateway/):

``POST {host}/pg/v4/payment/request.json``
    JSON ``{merchant_id, amount, currency, description, callback_url, metadata: {mobile, email,
    order_id}}``. Success is ``{"data": {"code": 100, "message": "Success", "authority": "A…",
    "fee_type": …, "fee": …}, "errors": []}``; the payer is then sent to
    ``{host}/pg/StartPay/{authority}``.

The payer comes back to ``callback_url?Authority=…&Status=OK|NOK``. ``Status`` is only what the
browser claims; the answer that counts is the server-to-server one:

``POST {host}/pg/v4/payment/verify.json``
    JSON ``{merchant_id, amount, authority}`` with the amount from our own records. ``code`` 100
    means verified now, 101 verified before (the same success, seen again); both carry ``ref_id``
    and ``card_pan``.

Refusals come as ``{"data": [], "errors": {"code": -9, "message": …, "validations": […]}}``,
usually with an HTTP 4xx status, so the body decides, not the status. The hosts are
``https://payment.zarinpal.com`` and, for testing without money, ``https://sandbox.zarinpal.com``
(any UUID is a merchant id there, and its authorities start with ``S``).

The merchant id is a credential: it travels only in request bodies, and it is kept out of logs,
exception messages and ``repr``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
import structlog

from payam.billing.gateways.base import (
    CallbackParameters,
    GatewayRefused,
    GatewayUnavailable,
    PaymentRequest,
    StartedPayment,
    Verification,
    VerificationOutcome,
)

if TYPE_CHECKING:
    from payam.config import Settings

logger = structlog.get_logger(__name__)

PRODUCTION_HOST = "https://payment.zarinpal.com"
SANDBOX_HOST = "https://sandbox.zarinpal.com"
REQUEST_PATH = "/pg/v4/payment/request.json"
VERIFY_PATH = "/pg/v4/payment/verify.json"
START_PAY_PATH = "/pg/StartPay/"

SUCCESS = 100
ALREADY_VERIFIED = 101
TOO_MANY_ATTEMPTS = -12
# Codes about our terminal rather than about the payment: the payer may well have paid, so a
# verify answered with one of these decides nothing and is asked again later instead of being
# recorded as a failed payment.
TERMINAL_PROBLEMS = frozenset({-10, -11, -15, -16, -17})
# Zarinpal refuses descriptions longer than this with -9; a long order title must not cost a sale.
DESCRIPTION_MAX_CHARS = 500
IRAN_COUNTRY_PREFIX = "+98"
# Enough of an unexpected answer to say what went wrong without flooding logs or messages.
ANSWER_EXCERPT_CHARS = 200

# Zarinpal's own English messages are terse ("Session is not valid, session is not active paid
# try."); these say what each code means for us, and Zarinpal's text is kept beside them.
CODE_REASONS: Mapping[int, str] = {
    SUCCESS: "verified",
    ALREADY_VERIFIED: "already verified",
    -9: "Zarinpal rejected the request's fields",
    -10: "Zarinpal does not accept this merchant id or this server's IP address",
    -11: "the merchant's terminal is not active at Zarinpal",
    TOO_MANY_ATTEMPTS: "too many attempts in a short time; try again later",
    -13: "the terminal's transaction limit is reached",
    -14: "the callback URL's domain is not the terminal's registered domain",
    -15: "the merchant's terminal is suspended at Zarinpal",
    -16: "the merchant's verification level at Zarinpal is too low",
    -17: "the merchant is restricted at Zarinpal's blue level",
    -50: "the amount does not match the payment's amount",
    -51: "the payment was not completed: it failed or the payer cancelled it",
    -52: "Zarinpal reported an unexpected error; ask Zarinpal's support",
    -53: "this authority belongs to another merchant",
    -54: "the authority is invalid or unknown to Zarinpal",
}


def zarinpal_host(*, sandbox: bool, base_url: str | None = None) -> str:
    """The scheme and host every Zarinpal URL starts with; ``base_url`` wins when given."""
    if base_url:
        return base_url.rstrip("/")
    return SANDBOX_HOST if sandbox else PRODUCTION_HOST


def zarinpal_mobile(phone: str | None) -> str | None:
    """The payer's number in Zarinpal's form (``09121234567``), or None to leave it out.

    The number only pre-fills Zarinpal's page, so a number Zarinpal might reject (one from
    abroad, or something that is not a number) is left out rather than risk a refused payment.
    """
    if not phone:
        return None
    if phone.startswith(IRAN_COUNTRY_PREFIX):
        phone = "0" + phone.removeprefix(IRAN_COUNTRY_PREFIX)
    if len(phone) == 11 and phone.startswith("09") and phone.isascii() and phone.isdigit():
        return phone
    return None


@dataclass(frozen=True, slots=True)
class _Answer:
    """A Zarinpal answer that carries a result code, success or refusal alike."""

    code: int
    message: str  # Zarinpal's own text, possibly empty
    data: Mapping[str, Any]  # the ``data`` block; empty for refusals
    validations: str  # "field: problem; …" for -9, else ""
    refused: bool  # the code came in ``errors`` rather than in ``data``


class ZarinpalGateway:
    name = "zarinpal"

    def __init__(
        self,
        *,
        merchant_id: str,
        http_client: httpx.AsyncClient,
        sandbox: bool = False,
        base_url: str | None = None,
        timeout_seconds: float | None = None,
    ) -> None:
        """``timeout_seconds`` bounds each call to Zarinpal; None keeps the client's own timeout.

        The client is shared with other outside services, so the payment timeout is applied per
        request rather than baked into it.
        """
        if not merchant_id:
            raise ValueError("a Zarinpal merchant id is required")
        self._merchant_id = merchant_id
        self._http_client = http_client
        self.timeout_seconds = timeout_seconds
        self.sandbox = sandbox
        self.host = zarinpal_host(sandbox=sandbox, base_url=base_url)

    @classmethod
    def from_settings(
        cls, settings: Settings, *, http_client: httpx.AsyncClient
    ) -> ZarinpalGateway:
        merchant_id = (
            settings.zarinpal_merchant_id.get_secret_value()
            if settings.zarinpal_merchant_id
            else ""
        )
        if not merchant_id:
            raise ValueError("PAYAM_ZARINPAL_MERCHANT_ID is required for the zarinpal gateway")
        return cls(
            merchant_id=merchant_id,
            http_client=http_client,
            sandbox=settings.zarinpal_sandbox,
            base_url=settings.zarinpal_base_url,
            timeout_seconds=settings.payment_timeout_seconds,
        )

    def __repr__(self) -> str:
        return f"ZarinpalGateway(host={self.host!r}, sandbox={self.sandbox!r})"

    def redirect_url(self, authority: str) -> str:
        """Where the payer pays for ``authority``: Zarinpal's StartPay page on the same host."""
        return f"{self.host}{START_PAY_PATH}{authority}"

    async def start(self, request: PaymentRequest) -> StartedPayment:
        if request.amount <= 0:
            raise ValueError("a payment's amount must be positive")
        metadata: dict[str, str] = {"order_id": request.order_id}
        mobile = zarinpal_mobile(request.mobile)
        if mobile:
            metadata["mobile"] = mobile
        if request.email:
            metadata["email"] = request.email
        payload = {
            "merchant_id": self._merchant_id,
            "amount": request.amount,
            "currency": request.currency,
            "description": request.description[:DESCRIPTION_MAX_CHARS],
            "callback_url": request.callback_url,
            "metadata": metadata,
        }
        answer = await self._call(REQUEST_PATH, payload, action="payment request")

        if answer.refused:
            if answer.code == TOO_MANY_ATTEMPTS:
                logger.warning("billing.zarinpal.throttled", order_id=request.order_id)
                raise GatewayUnavailable(f"Zarinpal is throttling us ({answer.code}): try later")
            logger.warning("billing.zarinpal.refused", order_id=request.order_id, code=answer.code)
            raise GatewayRefused(
                f"Zarinpal refused the payment request ({answer.code}): {self._describe(answer)}",
                code=answer.code,
            )
        authority = answer.data.get("authority")
        if answer.code != SUCCESS or not isinstance(authority, str) or not authority:
            # A success block without an authority (or with a code we do not know) leaves
            # nothing to send the payer to; asking again later is all we can do.
            raise GatewayUnavailable(
                f"Zarinpal answered the payment request with code {answer.code} and no authority"
            )
        logger.info(
            "billing.zarinpal.started",
            order_id=request.order_id,
            authority=authority,
            amount=request.amount,
            currency=request.currency,
        )
        return StartedPayment(authority=authority, redirect_url=self.redirect_url(authority))

    async def verify(self, *, authority: str, amount: int, currency: str) -> Verification:
        # ``currency`` is not sent: verify.json takes only merchant_id, amount and authority, and
        # Zarinpal reads the amount in the currency the payment was requested in. Billing keeps
        # both together, so passing the stored pair is what makes the comparison right.
        if not authority:
            raise ValueError("an authority is required to verify a payment")
        if amount <= 0:
            raise ValueError("a payment's amount must be positive")
        payload = {"merchant_id": self._merchant_id, "amount": amount, "authority": authority}
        answer = await self._call(VERIFY_PATH, payload, action="verification")

        if answer.code in (SUCCESS, ALREADY_VERIFIED):
            outcome = (
                VerificationOutcome.PAID
                if answer.code == SUCCESS
                else VerificationOutcome.ALREADY_VERIFIED
            )
            ref_id = answer.data.get("ref_id")
            card_pan = answer.data.get("card_pan")
            verification = Verification(
                outcome=outcome,
                code=answer.code,
                message=self._describe(answer),
                # ref_id is a number in Zarinpal's JSON; 0 or absent means it gave none.
                ref_id=str(ref_id) if ref_id not in (None, "", 0) else None,
                card_pan=str(card_pan) if card_pan else None,
            )
            logger.info(
                "billing.zarinpal.verified",
                authority=authority,
                code=answer.code,
                ref_id=verification.ref_id,
            )
            return verification
        if answer.code == TOO_MANY_ATTEMPTS or answer.code in TERMINAL_PROBLEMS:
            logger.error("billing.zarinpal.verify_undecided", authority=authority, code=answer.code)
            raise GatewayUnavailable(
                f"Zarinpal could not verify the payment ({answer.code}): {self._describe(answer)}"
            )
        if answer.code >= 0:
            # Only negative codes say a payment did not happen; an unknown positive one says
            # nothing we can act on.
            raise GatewayUnavailable(
                f"Zarinpal answered verification with unknown code {answer.code}"
            )
        logger.info("billing.zarinpal.not_paid", authority=authority, code=answer.code)
        return Verification(
            outcome=VerificationOutcome.FAILED, code=answer.code, message=self._describe(answer)
        )

    def parse_callback(self, query: Mapping[str, str]) -> CallbackParameters:
        authority = (query.get("Authority") or "").strip()
        if not authority:
            raise ValueError("Zarinpal's callback has no Authority parameter")
        status = (query.get("Status") or "").strip()
        return CallbackParameters(authority=authority, payer_approved=status == "OK")

    async def _call(self, path: str, payload: Mapping[str, object], *, action: str) -> _Answer:
        timeout = (
            self.timeout_seconds if self.timeout_seconds is not None else httpx.USE_CLIENT_DEFAULT
        )
        try:
            response = await self._http_client.post(
                self.host + path,
                json=payload,
                headers={"Accept": "application/json"},
                timeout=timeout,
            )
        except httpx.TimeoutException as exc:
            logger.warning("billing.zarinpal.timeout", action=action)
            raise GatewayUnavailable(f"Zarinpal did not answer the {action} in time") from exc
        except httpx.HTTPError as exc:
            # The URL in httpx's errors holds no secret (the merchant id is in the body), but
            # the text is not needed: the class name says what kind of failure it was.
            logger.warning("billing.zarinpal.unreachable", action=action, error=type(exc).__name__)
            raise GatewayUnavailable(
                f"could not reach Zarinpal for the {action} ({type(exc).__name__})"
            ) from exc
        return self._read(response, action=action)

    def _read(self, response: httpx.Response, *, action: str) -> _Answer:
        status = response.status_code
        if status >= 500:
            logger.warning("billing.zarinpal.server_error", action=action, status=status)
            raise GatewayUnavailable(f"Zarinpal answered the {action} with HTTP {status}")
        try:
            body: Any = response.json()
        except ValueError:
            raise GatewayUnavailable(
                f"Zarinpal answered the {action} with HTTP {status} and no JSON: "
                f"{self._excerpt(response)}"
            ) from None
        answer = _answer_from(body) if isinstance(body, dict) else None
        if answer is None:
            raise GatewayUnavailable(
                f"Zarinpal answered the {action} with HTTP {status} but no result code: "
                f"{self._excerpt(response)}"
            )
        return answer

    def _describe(self, answer: _Answer) -> str:
        """Our reason for the code, with Zarinpal's own words beside it when they add anything."""
        theirs = self._scrub(answer.message.strip())
        if answer.validations:
            theirs = f"{theirs} [{self._scrub(answer.validations)}]".strip()
        reason = CODE_REASONS.get(answer.code)
        if reason is None:
            return theirs or f"Zarinpal answered code {answer.code}"
        if theirs and theirs.lower() != reason.lower():
            return f"{reason} (Zarinpal: {theirs})"
        return reason

    def _excerpt(self, response: httpx.Response) -> str:
        return self._scrub(response.text[:ANSWER_EXCERPT_CHARS].strip()) or "(empty answer)"

    def _scrub(self, text: str) -> str:
        # A service that echoes the request back must not carry the merchant id into our errors.
        return text.replace(self._merchant_id, "***")


def _answer_from(body: Mapping[str, Any]) -> _Answer | None:
    """The result code in a Zarinpal answer, wherever it sits; None when there is none."""
    errors = body.get("errors")
    # Some answers have been seen with the error block in a one-item list; read both shapes.
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        errors = errors[0]
    if isinstance(errors, dict):
        code = _as_code(errors.get("code"))
        if code is not None:
            return _Answer(
                code=code,
                message=str(errors.get("message") or ""),
                data={},
                validations=_validations(errors.get("validations")),
                refused=True,
            )
    data = body.get("data")
    if isinstance(data, dict):
        code = _as_code(data.get("code"))
        if code is not None:
            return _Answer(
                code=code,
                message=str(data.get("message") or ""),
                data=data,
                validations="",
                refused=False,
            )
    return None


def _as_code(value: object) -> int | None:
    # Zarinpal sends numbers, but some of its documented answers show codes as strings ("100").
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _validations(value: object) -> str:
    """``[{"amount": "…"}]`` or ``{"amount": ["…"]}`` as ``amount: …; …``."""
    entries: list[tuple[str, object]] = []
    if isinstance(value, dict):
        entries.extend(value.items())
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                entries.extend(item.items())
            elif item:
                entries.append(("", item))
    parts: list[str] = []
    for field, problem in entries:
        text = "; ".join(map(str, problem)) if isinstance(problem, list) else str(problem)
        parts.append(f"{field}: {text}" if field else text)
    return "; ".join(parts)[:ANSWER_EXCERPT_CHARS]
