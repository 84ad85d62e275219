"""SMS senders for one-time codes.

Choose one with ``PAYAM_SMS_PROVIDER``:

``console`` (the default)
    Prints the code on standard output and logs it. For development only: nothing leaves the
    machine.

``kavenegar``
    Kavenegar's verify/lookup service:
    ``POST {PAYAM_KAVENEGAR_BASE_URL}/v1/{PAYAM_KAVENEGAR_API_KEY}/verify/lookup.json`` with the
    form fields ``receptor`` (the local form ``09121234567``; other countries as ``00`` + country
    code + number), ``token`` (the code) and ``template`` (``PAYAM_KAVENEGAR_TEMPLATE``). The text
    is the template approved in the Kavenegar panel; it must contain ``%token``. One template
    serves every purpose. Success is ``return.status == 200`` in the JSON answer; anything else is
    a failure carrying Kavenegar's ``return.message``.

``http``
    Any provider behind a small adapter of your own. Payam sends::

        POST {PAYAM_SMS_HTTP_URL}
        Authorization: Bearer {PAYAM_SMS_HTTP_TOKEN}      (only when the token is set)
        Content-Type: application/json

        {"to": "+989121234567", "message": "<the full text>", "code": "123456",
         "purpose": "LOGIN"}

    ``to`` is E.164; ``message`` is the ready-to-send text in Persian; ``code`` and ``purpose``
    (``VERIFY_PHONE``, ``VERIFY_EMAIL``, ``PASSWORD_RESET`` or ``LOGIN``) are there for adapters
    that fill a provider-side template instead. Any 2xx answer means the adapter accepted the
    message; any other answer, or none within ``PAYAM_SMS_TIMEOUT_SECONDS``, is a failure. Payam
    does not retry: an adapter that answers 2xx owns the delivery from then on.
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx
import structlog

from payam.models.auth import OtpPurpose
from payam.notify.messages import code_message

logger = structlog.get_logger(__name__)

KAVENEGAR_SUCCESS = 200
IRAN_COUNTRY_PREFIX = "+98"
# Enough of an unexpected answer to say what went wrong without flooding the logs.
ANSWER_EXCERPT_CHARS = 200


class SmsDeliveryError(Exception):
    """The provider did not accept the message. The text says what it answered, never a secret."""


class SmsSender(Protocol):
    async def send_code(self, *, phone: str, code: str, purpose: OtpPurpose) -> None:
        """Deliver ``code`` to ``phone`` (E.164) or raise SmsDeliveryError."""
        ...


class ConsoleSmsSender:
    """Shows the code to the person running Payam locally, who has no SMS gateway."""

    async def send_code(self, *, phone: str, code: str, purpose: OtpPurpose) -> None:
        purpose_name = purpose.value.lower()
        print(
            f"[payam] SMS to {phone}: your Payam code is {code} (purpose: {purpose_name})",
            flush=True,
        )
        logger.info("sms.console", phone=phone, code=code, purpose=purpose_name)


def kavenegar_receptor(phone: str) -> str:
    """Kavenegar's form of an E.164 number: ``09121234567`` at home, ``00…`` abroad."""
    if phone.startswith(IRAN_COUNTRY_PREFIX):
        return "0" + phone.removeprefix(IRAN_COUNTRY_PREFIX)
    if phone.startswith("+"):
        return "00" + phone.removeprefix("+")
    return phone


class KavenegarSmsSender:
    def __init__(
        self, *, api_key: str, template: str, base_url: str, http_client: httpx.AsyncClient
    ) -> None:
        self._api_key = api_key
        self._template = template
        self._base_url = base_url.rstrip("/")
        self._http_client = http_client

    def __repr__(self) -> str:
        return f"KavenegarSmsSender(template={self._template!r}, base_url={self._base_url!r})"

    async def send_code(self, *, phone: str, code: str, purpose: OtpPurpose) -> None:
        url = f"{self._base_url}/v1/{self._api_key}/verify/lookup.json"
        form = {"receptor": kavenegar_receptor(phone), "token": code, "template": self._template}
        # The API key is part of the URL, and httpx errors quote the URL: their text and the
        # exception chain are kept out of what we raise.
        try:
            response = await self._http_client.post(
                url, data=form, headers={"Accept": "application/json"}
            )
        except httpx.TimeoutException:
            raise SmsDeliveryError("Kavenegar did not answer in time") from None
        except httpx.HTTPError as exc:
            raise SmsDeliveryError(f"could not reach Kavenegar ({type(exc).__name__})") from None

        status, message = _kavenegar_return(response)
        if status == KAVENEGAR_SUCCESS:
            logger.info("sms.kavenegar.sent", purpose=purpose.value)
            return
        if status is None:
            raise SmsDeliveryError(
                f"Kavenegar answered HTTP {response.status_code} without a status: "
                f"{_excerpt(response, secret=self._api_key)}"
            )
        raise SmsDeliveryError(f"Kavenegar refused the message ({status}): {message}")


def _kavenegar_return(response: httpx.Response) -> tuple[int | None, str]:
    """The ``return`` block of a Kavenegar answer; ``(None, "")`` when there is none."""
    try:
        body: Any = response.json()
    except ValueError:
        return None, ""
    returned = body.get("return") if isinstance(body, dict) else None
    if not isinstance(returned, dict) or not isinstance(returned.get("status"), int):
        return None, ""
    return returned["status"], str(returned.get("message", ""))


class HttpGatewaySmsSender:
    def __init__(
        self,
        *,
        url: str,
        token: str | None,
        http_client: httpx.AsyncClient,
        ttl_minutes: int,
        locale: str = "fa",
    ) -> None:
        self._url = url
        self._token = token
        self._http_client = http_client
        self._ttl_minutes = ttl_minutes
        self._locale = locale

    def __repr__(self) -> str:
        return f"HttpGatewaySmsSender(url={self._url!r})"

    async def send_code(self, *, phone: str, code: str, purpose: OtpPurpose) -> None:
        text = code_message(
            code=code, purpose=purpose, locale=self._locale, ttl_minutes=self._ttl_minutes
        )
        payload = {"to": phone, "message": text, "code": code, "purpose": purpose.value}
        headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        try:
            response = await self._http_client.post(self._url, json=payload, headers=headers)
        except httpx.TimeoutException as exc:
            raise SmsDeliveryError("the SMS gateway did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise SmsDeliveryError(
                f"could not reach the SMS gateway ({type(exc).__name__})"
            ) from exc
        if not response.is_success:
            raise SmsDeliveryError(
                f"the SMS gateway answered HTTP {response.status_code}: "
                f"{_excerpt(response, secret=self._token)}"
            )
        logger.info("sms.http.sent", purpose=purpose.value, status=response.status_code)


def _excerpt(response: httpx.Response, *, secret: str | None) -> str:
    text = response.text[:ANSWER_EXCERPT_CHARS].strip() or "(empty answer)"
    # A gateway that echoes the request back must not smuggle the credential into our errors.
    return text.replace(secret, "***") if secret else text
