"""A fake of Meta's Graph API for WhatsApp Cloud numbers: a small ASGI app for loopback.

Tests and ``make run``'s embedded mode point a Cloud number's ``graph_base_url`` at it. It follows
Meta's documented contract, as far as Payam uses it:

- ``GET /{version}/{phone-number-id}``: the number's record (display number, verified name).
- ``POST /{version}/{phone-number-id}/messages``: text, media (by uploaded id or link) and
  template messages; answers ``{"messaging_product", "contacts": [{"input", "wa_id"}],
  "messages": [{"id": "wamid…", "message_status": "accepted"}]}``.
- ``POST /{version}/{phone-number-id}/media``: a multipart upload; answers ``{"id"}``.
- ``GET /{version}/{waba-id}/message_templates``: the WABA's templates, in pages with cursors.
- Errors as Meta sends them: ``{"error": {"message", "type", "code", "error_subcode",
  "error_data": {"messaging_product", "details"}, "fbtrace_id"}}``; a wrong token is 401, code 190.
- Status webhooks (sent, delivered, …) POSTed to the number's ``webhook_url`` with
  ``X-Hub-Signature-256: sha256=HMAC(raw body, app secret)`` and ``biz_opaque_callback_data``,
  tried again when the receiver cannot be reached or answers 5xx.

Where Meta leaves a detail open the fake picks one and says so: a number in ``not_on_whatsapp``
is refused at once with 131026 (Meta may also accept it and send a ``failed`` status later, which
``emit_status`` plays).

A test steers it: ``fail_next`` (any error code, e.g. 130429 to throttle), ``delay_seconds`` (a
slow answer), ``drop_webhooks`` (the next N deliveries are lost), ``webhook_delay_seconds``,
``emit_status`` and ``emit_message``; ``sent`` keeps every accepted message (with the moment it
was accepted, ``accepted_at``, for tests of the pace).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from payam.kit.clock import utc_now
from payam.providers.cloud.payload import signature_for

MESSAGE_TYPES = frozenset({"text", "image", "video", "audio", "document", "template"})
PAGE_SIZE = 25
WEBHOOK_ATTEMPTS = 6
WEBHOOK_RETRY_SECONDS = 0.5

# Meta's own wording for the errors the fake produces by itself.
_TITLES = {
    100: "Invalid parameter",
    190: "Invalid OAuth access token - Cannot parse access token",
    130429: "Rate limit hit",
    131026: "Message undeliverable",
    131047: "Re-engagement message",
    131048: "Spam rate limit hit",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    132000: "Number of parameters does not match the expected number of params",
    132001: "Template name does not exist in the translation",
    368: "Temporarily blocked for policies violations",
}


def default_templates() -> list[dict[str, Any]]:
    return [
        {
            "id": "1001",
            "name": "hello_world",
            "language": "en_US",
            "status": "APPROVED",
            "category": "UTILITY",
            "components": [{"type": "BODY", "text": "Hello World"}],
        },
        {
            "id": "1002",
            "name": "order_ready",
            "language": "fa",
            "status": "APPROVED",
            "category": "UTILITY",
            "components": [
                {"type": "BODY", "text": "سلام {{1}}، سفارش {{2}} آماده است."},
            ],
        },
        {
            "id": "1003",
            "name": "spring_sale",
            "language": "fa",
            "status": "REJECTED",
            "category": "MARKETING",
            "components": [{"type": "BODY", "text": "حراج بهاره {{1}}"}],
        },
    ]


@dataclass
class FakeNumber:
    phone_number_id: str
    waba_id: str
    display_phone_number: str  # as Meta shows it: "+98 912 000 0001"
    access_token: str
    app_secret: str
    webhook_url: str | None = None
    verified_name: str = "Payam Test Shop"
    templates: list[dict[str, Any]] = field(default_factory=default_templates)


@dataclass(frozen=True, slots=True)
class ScriptedError:
    code: int
    http_status: int = 400
    subcode: int | None = None
    details: str = ""


@dataclass
class Delivery:
    """One webhook POST the fake made, and how the receiver answered."""

    body: dict[str, Any]
    status_code: int | None


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _error(
    code: int, *, http_status: int = 400, subcode: int | None = None, details: str = ""
) -> JSONResponse:
    title = _TITLES.get(code, "Error")
    body: dict[str, Any] = {
        "message": f"({'#' if code < 1000 else ''}{code}) {title}",
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": details or title},
        "fbtrace_id": secrets.token_urlsafe(12),
    }
    if subcode is not None:
        body["error_subcode"] = subcode
    return JSONResponse({"error": body}, status_code=http_status)


class FakeGraph:
    def __init__(
        self,
        *,
        auto_statuses: tuple[str, ...] = ("sent", "delivered"),
        webhook_delay_seconds: float = 0.0,
    ) -> None:
        self.numbers: dict[str, FakeNumber] = {}
        self.not_on_whatsapp: set[str] = set()  # digits, as in "to"
        self.sent: list[dict[str, Any]] = []
        self.uploads: dict[str, bytes] = {}
        self.deliveries: list[Delivery] = []
        self.auto_statuses = auto_statuses
        self.webhook_delay_seconds = webhook_delay_seconds
        self.delay_seconds = 0.0
        self.drop_webhooks = 0
        self._scripted: deque[ScriptedError] = deque()
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()
        self._http: httpx.AsyncClient | None = None
        self.app = FastAPI(
            openapi_url=None,
            docs_url=None,
            redoc_url=None,
            routes=[
                Route("/{version}/{object_id}", self._object, methods=["GET"]),
                Route("/{version}/{number_id}/messages", self._messages, methods=["POST"]),
                Route("/{version}/{number_id}/media", self._media, methods=["POST"]),
                Route("/{version}/{waba_id}/message_templates", self._templates, methods=["GET"]),
                # Steering over HTTP, for a person trying Payam without Meta (make run).
                Route("/_fake/numbers", self._new_number, methods=["POST"]),
                Route("/_fake/numbers/{number_id}/webhook", self._subscribe, methods=["PUT"]),
                Route("/_fake/numbers/{number_id}/replies", self._reply, methods=["POST"]),
            ],
        )

    # Steering ---------------------------------------------------------------------------------

    def add_number(
        self,
        *,
        phone_number_id: str = "106540352242922",
        waba_id: str = "102290129340398",
        display_phone_number: str = "+98 912 000 0001",
        access_token: str | None = None,
        app_secret: str | None = None,
        webhook_url: str | None = None,
    ) -> FakeNumber:
        number = FakeNumber(
            phone_number_id=phone_number_id,
            waba_id=waba_id,
            display_phone_number=display_phone_number,
            access_token=access_token or f"EAAG{secrets.token_urlsafe(24)}",
            app_secret=app_secret or secrets.token_hex(16),
            webhook_url=webhook_url,
        )
        self.numbers[phone_number_id] = number
        return number

    def fail_next(
        self,
        code: int,
        *,
        times: int = 1,
        http_status: int = 400,
        subcode: int | None = None,
        details: str = "",
    ) -> None:
        """The next ``times`` sends are refused with this error."""
        for _ in range(times):
            self._scripted.append(ScriptedError(code, http_status, subcode, details))

    async def emit_status(
        self,
        wamid: str,
        status: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        timestamp: int | None = None,
    ) -> Delivery:
        """POST one status of a sent message to its number's webhook, as Meta would."""
        message = next(item for item in self.sent if item["wamid"] == wamid)
        entry: dict[str, Any] = {
            "id": wamid,
            "status": status,
            "timestamp": str(timestamp or int(time.time())),
            "recipient_id": message["to"],
        }
        if "biz_opaque_callback_data" in message:
            entry["biz_opaque_callback_data"] = message["biz_opaque_callback_data"]
        if status in {"sent", "delivered"}:
            entry["conversation"] = {"id": "c" + wamid[-12:], "origin": {"type": "utility"}}
            entry["pricing"] = {"billable": True, "pricing_model": "CBP", "category": "utility"}
        if errors:
            entry["errors"] = errors
        number = self.numbers[message["phone_number_id"]]
        return await self._deliver(number, {"statuses": [entry]})

    async def emit_message(
        self, phone_number_id: str, from_digits: str, text: str, *, name: str = "Customer"
    ) -> Delivery:
        """POST an inbound text message from ``from_digits`` to the number's webhook."""
        number = self.numbers[phone_number_id]
        value = {
            "contacts": [{"profile": {"name": name}, "wa_id": from_digits}],
            "messages": [
                {
                    "from": from_digits,
                    "id": f"wamid.IN{next(self._ids):020d}",
                    "timestamp": str(int(time.time())),
                    "type": "text",
                    "text": {"body": text},
                }
            ],
        }
        return await self._deliver(number, value)

    def signed(self, number: FakeNumber, value: dict[str, Any]) -> tuple[bytes, str]:
        """A webhook body for ``value`` and its signature, as Meta would send them."""
        body = {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": number.waba_id,
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": "".join(
                                        c for c in number.display_phone_number if c.isdigit()
                                    ),
                                    "phone_number_id": number.phone_number_id,
                                },
                                **value,
                            },
                        }
                    ],
                }
            ],
        }
        raw = json.dumps(body, ensure_ascii=False).encode()
        return raw, signature_for(raw, number.app_secret)

    async def settle(self) -> None:
        """Wait for every webhook the fake has scheduled so far."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        await self.settle()
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    # Webhooks ---------------------------------------------------------------------------------

    async def _deliver(self, number: FakeNumber, value: dict[str, Any]) -> Delivery:
        raw, signature = self.signed(number, value)
        delivery = Delivery(body=json.loads(raw), status_code=None)
        self.deliveries.append(delivery)
        if self.drop_webhooks > 0:
            self.drop_webhooks -= 1
            return delivery
        if number.webhook_url is None:
            return delivery
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=10)
        # Meta tries again a delivery that failed; the fake does for an unreachable receiver or
        # a 5xx, a few times with a doubling pause (Meta goes on for days).
        for attempt in range(WEBHOOK_ATTEMPTS):
            if attempt:
                await asyncio.sleep(WEBHOOK_RETRY_SECONDS * 2 ** (attempt - 1))
            try:
                response = await self._http.post(
                    number.webhook_url,
                    content=raw,
                    headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
                )
            except httpx.TransportError:
                continue
            delivery.status_code = response.status_code
            if response.status_code < 500:
                break
        return delivery

    def _schedule_statuses(self, wamid: str) -> None:
        async def run() -> None:
            for status in self.auto_statuses:
                if self.webhook_delay_seconds:
                    await asyncio.sleep(self.webhook_delay_seconds)
                await self.emit_status(wamid, status)

        if self.auto_statuses:
            task = asyncio.create_task(run())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    # Steering over HTTP -------------------------------------------------------------------------

    async def _new_number(self, request: Request) -> JSONResponse:
        """A new number with fresh credentials, as WhatsApp Manager and the app dashboard give."""
        body = await _json_object(request)
        index = len(self.numbers) + 1
        number = self.add_number(
            phone_number_id=str(106540352242900 + index),
            waba_id=str(102290129340300 + index),
            display_phone_number=str(
                body.get("display_phone_number") or f"+98 912 000 {index:04d}"
            ),
        )
        return JSONResponse(
            {
                "phone_number_id": number.phone_number_id,
                "waba_id": number.waba_id,
                "display_phone_number": number.display_phone_number,
                "access_token": number.access_token,
                "app_secret": number.app_secret,
            },
            status_code=201,
        )

    async def _subscribe(self, request: Request) -> JSONResponse:
        """The app dashboard's webhook setting: Meta checks the callback URL with the verify
        token's challenge before it sends anything there."""
        number = self.numbers.get(request.path_params["number_id"])
        if number is None:
            return _error(100, http_status=404, details="No such phone number id")
        body = await _json_object(request)
        url, token = str(body.get("url") or ""), str(body.get("verify_token") or "")
        challenge = secrets.token_hex(8)
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=10)
        try:
            answer = await self._http.get(
                url,
                params={
                    "hub.mode": "subscribe",
                    "hub.verify_token": token,
                    "hub.challenge": challenge,
                },
            )
        except httpx.HTTPError as error:
            return _error(100, details=f"The callback URL could not be reached: {error!r}")
        if answer.status_code != 200 or answer.text != challenge:
            return _error(100, details="The callback URL or verify token couldn't be validated")
        number.webhook_url = url
        return JSONResponse({"success": True})

    async def _reply(self, request: Request) -> JSONResponse:
        """Someone writes to the number (a reply, or an opt-out keyword)."""
        number = self.numbers.get(request.path_params["number_id"])
        if number is None:
            return _error(100, http_status=404, details="No such phone number id")
        body = await _json_object(request)
        sender = "".join(c for c in str(body.get("from") or "") if c.isdigit())
        if not sender:
            return _error(100, details="from is required")
        delivery = await self.emit_message(
            number.phone_number_id, sender, str(body.get("text") or "")
        )
        return JSONResponse({"webhook_status": delivery.status_code})

    # Routes -----------------------------------------------------------------------------------

    def _authorized(self, request: Request, number: FakeNumber | None) -> JSONResponse | None:
        if number is None:
            return _error(100, subcode=33, details="Object does not exist or lacks permission")
        if request.headers.get("authorization") != f"Bearer {number.access_token}":
            return _error(190, http_status=401, details="Invalid OAuth access token")
        return None

    async def _object(self, request: Request) -> JSONResponse:
        number = self.numbers.get(request.path_params["object_id"])
        refused = self._authorized(request, number)
        if refused is not None or number is None:
            return refused or _error(100)
        return JSONResponse(
            {
                "id": number.phone_number_id,
                "display_phone_number": number.display_phone_number,
                "verified_name": number.verified_name,
                "quality_rating": "GREEN",
            }
        )

    async def _messages(self, request: Request) -> JSONResponse:
        number = self.numbers.get(request.path_params["number_id"])
        refused = self._authorized(request, number)
        if refused is not None or number is None:
            return refused or _error(100)
        try:
            body = await request.json()
        except ValueError:
            return _error(100, details="The body is not JSON")
        # Slow to answer, not to take the message: one sent on after the caller gave up is sent.
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        kind = body.get("type", "text")
        to = str(body.get("to", ""))
        if body.get("messaging_product") != "whatsapp" or not to.isdigit():
            return _error(100, details="messaging_product and to are required")
        if kind not in MESSAGE_TYPES or not isinstance(body.get(kind), dict):
            return _error(100, details=f"Unsupported message type {kind!r}")
        if self._scripted:
            scripted = self._scripted.popleft()
            return _error(
                scripted.code,
                http_status=scripted.http_status,
                subcode=scripted.subcode,
                details=scripted.details,
            )
        if to in self.not_on_whatsapp:
            return _error(131026, details="Receiver is incapable of receiving this message")
        if kind == "template":
            problem = self._template_problem(number, body["template"])
            if problem is not None:
                return problem
        wamid = f"wamid.HBgM{next(self._ids):020d}"
        self.sent.append(
            {
                **body,
                "wamid": wamid,
                "phone_number_id": number.phone_number_id,
                "accepted_at": utc_now(),
            }
        )
        self._schedule_statuses(wamid)
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": wamid, "message_status": "accepted"}],
            }
        )

    @staticmethod
    def _template_problem(number: FakeNumber, template: dict[str, Any]) -> JSONResponse | None:
        name = template.get("name")
        language = (template.get("language") or {}).get("code")
        found = next(
            (
                item
                for item in number.templates
                if item["name"] == name and item["language"] == language
            ),
            None,
        )
        if found is None or found["status"] != "APPROVED":
            return _error(132001, http_status=404, details=f"template name ({name}) not approved")
        body = next((c for c in found["components"] if c["type"] == "BODY"), {"text": ""})
        expected = str(body["text"]).count("{{")
        given = sum(
            len(component.get("parameters", []))
            for component in template.get("components", [])
            if component.get("type") == "body"
        )
        if given != expected:
            return _error(132000, details=f"body: expected {expected} parameters, got {given}")
        return None

    async def _media(self, request: Request) -> JSONResponse:
        number = self.numbers.get(request.path_params["number_id"])
        refused = self._authorized(request, number)
        if refused is not None:
            return refused
        form = await request.form()
        upload = form.get("file")
        if form.get("messaging_product") != "whatsapp" or isinstance(upload, str) or not upload:
            return _error(100, details="messaging_product and file are required")
        media_id = f"{next(self._ids):016d}"
        self.uploads[media_id] = await upload.read()
        return JSONResponse({"id": media_id})

    async def _templates(self, request: Request) -> JSONResponse:
        waba_id = request.path_params["waba_id"]
        number = next((n for n in self.numbers.values() if n.waba_id == waba_id), None)
        refused = self._authorized(request, number)
        if refused is not None or number is None:
            return refused or _error(100)
        limit = min(int(request.query_params.get("limit", PAGE_SIZE)), PAGE_SIZE)
        start = int(request.query_params.get("after", "0") or 0)
        page = number.templates[start : start + limit]
        body: dict[str, Any] = {"data": page}
        if page:
            end = start + len(page)
            body["paging"] = {"cursors": {"before": str(start), "after": str(end)}}
            if end < len(number.templates):
                body["paging"]["next"] = f"{request.url.remove_query_params('after')}&after={end}"
        return JSONResponse(body)
