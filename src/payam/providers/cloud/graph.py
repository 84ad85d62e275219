"""The few Graph API calls a Cloud number needs, and what each error code means for a send.

Meta keys its errors on ``error.code`` (with ``error_subcode`` and a ``fbtrace_id`` to quote to
its support); the HTTP status alone says little, so every rule here reads the code first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from payam.models import SenderStatus
from payam.providers.base import FaultKind, ProviderFault

THROUGHPUT = 130429  # more messages per second than the number's tier allows
PAIR_RATE = 131056  # too many messages to the same user in a short time
NOT_ON_WHATSAPP = 131026  # undeliverable: not on WhatsApp, old app, terms not accepted
OUTSIDE_WINDOW = 131047  # more than 24 hours since the user last wrote: a template is needed
SPAM_RATE = 131048  # the number sent too much that people did not want
MARKETING_LIMIT = 131049  # Meta holds back marketing to this user for now
MAINTENANCE = 131057
POLICY_BLOCK = 368  # temporarily blocked for policy violations
ACCOUNT_LOCKED = 131031
# Access token expired or revoked, no permission, app not allowed: nothing sends until fixed.
AUTH_CODES = frozenset({190, 102, 10, 200, 3, 131005})
RATE_CODES = frozenset({THROUGHPUT, 4, 80007, 130472})
TEMPORARY_CODES = frozenset({1, 2, MAINTENANCE, 131000, 133004})

# How long the number waits after each kind of rate limit (seconds).
THROUGHPUT_PAUSE = 5.0
PAIR_RATE_PAUSE = 60.0


@dataclass
class GraphError(Exception):
    http_status: int
    code: int | None
    subcode: int | None
    message: str
    fbtrace_id: str | None = None

    def __str__(self) -> str:
        code = f"({self.code}) " if self.code is not None else ""
        trace = f" [fbtrace_id {self.fbtrace_id}]" if self.fbtrace_id else ""
        return f"{code}{self.message}{trace}"

    @classmethod
    def from_response(cls, response: httpx.Response) -> GraphError:
        try:
            body = response.json()
        except ValueError:
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return cls(response.status_code, None, None, f"HTTP {response.status_code}")
        data = error.get("error_data")
        details = data.get("details") if isinstance(data, dict) else None
        message = str(error.get("message") or f"HTTP {response.status_code}")
        if details:
            message = f"{message}: {details}"
        return cls(
            http_status=response.status_code,
            code=_int_or_none(error.get("code")),
            subcode=_int_or_none(error.get("error_subcode")),
            message=message,
            fbtrace_id=str(error["fbtrace_id"]) if error.get("fbtrace_id") else None,
        )


def _int_or_none(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload, no-any-return]
    except (TypeError, ValueError):
        return None


def explain(code: int | None, message: str) -> str:
    """A reason a user can act on, for an error code (from a send or a status webhook)."""
    if code == OUTSIDE_WINDOW:
        return (
            "More than 24 hours since this person last wrote to the number: outside that window "
            f"WhatsApp only delivers an approved template. {message}"
        )
    if code == NOT_ON_WHATSAPP:
        return f"Not on WhatsApp (or cannot receive this message). {message}"
    if code == SPAM_RATE:
        return (
            "WhatsApp limited this number because people did not want its messages; pause, "
            f"check the message and the list, and try again later. {message}"
        )
    if code == POLICY_BLOCK:
        return f"WhatsApp blocked this number for a policy violation. {message}"
    if code in AUTH_CODES:
        return (
            "The Cloud API refused the access token (expired, revoked or without permission); "
            f"update the number's credentials. {message}"
        )
    return message


def fault_for(error: GraphError) -> ProviderFault:
    """What the engine does after a refused send."""
    code = error.code
    reason = explain(code, str(error))
    if code in RATE_CODES:
        return ProviderFault(FaultKind.RATE_LIMITED, reason, retry_after_seconds=THROUGHPUT_PAUSE)
    if code == PAIR_RATE:
        return ProviderFault(FaultKind.RATE_LIMITED, reason, retry_after_seconds=PAIR_RATE_PAUSE)
    if code == NOT_ON_WHATSAPP:
        return ProviderFault(FaultKind.NOT_ON_WHATSAPP, reason)
    if code in {SPAM_RATE, POLICY_BLOCK, ACCOUNT_LOCKED}:
        return ProviderFault(FaultKind.ACCOUNT, reason, sender_status=SenderStatus.BANNED)
    if code in AUTH_CODES or error.http_status == 401:
        return ProviderFault(FaultKind.ACCOUNT, reason, sender_status=SenderStatus.LOGGED_OUT)
    if code in TEMPORARY_CODES:
        return ProviderFault(FaultKind.TRANSIENT, reason)
    if error.http_status == 429:
        return ProviderFault(FaultKind.RATE_LIMITED, reason, retry_after_seconds=THROUGHPUT_PAUSE)
    if error.http_status >= 500:
        # The request reached Meta and it failed there: it may have been queued all the same.
        return ProviderFault(FaultKind.UNCERTAIN, reason)
    return ProviderFault(FaultKind.RECIPIENT_INVALID, reason)


@dataclass(frozen=True, slots=True)
class GraphNumber:
    """Where one Cloud number is reached, and as whom."""

    base_url: str
    api_version: str
    phone_number_id: str
    access_token: str


class GraphClient:
    def __init__(self, http: httpx.AsyncClient, number: GraphNumber, *, timeout: float) -> None:
        self._http = http
        self._number = number
        self._timeout = timeout

    def _url(self, *parts: str) -> str:
        number = self._number
        return "/".join([number.base_url.rstrip("/"), number.api_version, *parts])

    async def _call(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        response = await self._http.request(
            method,
            url,
            headers={"Authorization": f"Bearer {self._number.access_token}"},
            timeout=self._timeout,
            **kwargs,
        )
        if response.status_code >= 400:
            raise GraphError.from_response(response)
        try:
            body = response.json()
        except ValueError as error:
            raise GraphError(response.status_code, None, None, "not a JSON answer") from error
        if not isinstance(body, dict):
            raise GraphError(response.status_code, None, None, "not a JSON object")
        return body

    async def phone_number(self) -> dict[str, Any]:
        """The number's own record: its display number, verified name and quality."""
        return await self._call(
            "GET",
            self._url(self._number.phone_number_id),
            params={"fields": "display_phone_number,verified_name,quality_rating"},
        )

    async def send(self, payload: dict[str, Any]) -> str:
        """POST /{phone-number-id}/messages; the WhatsApp message id (wamid) it accepted."""
        body = await self._call(
            "POST", self._url(self._number.phone_number_id, "messages"), json=payload
        )
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages or "id" not in messages[0]:
            raise GraphError(200, None, None, "the answer named no message id")
        return str(messages[0]["id"])

    async def upload_media(self, *, content: bytes, mime_type: str, filename: str) -> str:
        """POST /{phone-number-id}/media; the media id a message can name (kept for 30 days)."""
        body = await self._call(
            "POST",
            self._url(self._number.phone_number_id, "media"),
            data={"messaging_product": "whatsapp", "type": mime_type},
            files={"file": (filename, content, mime_type)},
        )
        if "id" not in body:
            raise GraphError(200, None, None, "the upload answer named no media id")
        return str(body["id"])

    async def templates(self, waba_id: str, *, limit: int = 100) -> list[dict[str, Any]]:
        """GET /{waba-id}/message_templates, every page (up to ``limit`` templates)."""
        found: list[dict[str, Any]] = []
        params: dict[str, str] = {
            "limit": "50",
            "fields": "name,language,status,category,components",
        }
        while len(found) < limit:
            body = await self._call("GET", self._url(waba_id, "message_templates"), params=params)
            data = body.get("data")
            if isinstance(data, list):
                found.extend(item for item in data if isinstance(item, dict))
            paging = body.get("paging")
            cursors = paging.get("cursors") if isinstance(paging, dict) else None
            after = cursors.get("after") if isinstance(cursors, dict) else None
            if not isinstance(paging, dict) or not paging.get("next") or not after:
                break
            params = {**params, "after": str(after)}
        return found[:limit]
