"""The Cloud API transport (provider ``cloud``): sends over the Graph API, events from its webhook.

A send is one ``POST /{phone-number-id}/messages`` carrying our message id as
``biz_opaque_callback_data``, which Meta echoes in every status webhook: so a status names the
message by our id and can settle a send a crash left UNKNOWN. The webhook lands in whichever API
process Meta reaches, so the route writes it to the number's inbox (``cloud_webhook_events``) and
the session of the worker that holds the number reads it from there.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from payam.config import Settings
from payam.kit.credentials import CredentialBox, CredentialUnreadable
from payam.kit.errors import InvalidInput, ServiceUnavailable
from payam.kit.phones import InvalidPhoneNumber, normalize_phone
from payam.message.whatsapp_templates import TemplateMapping
from payam.models import CloudWebhookEvent, MediaKind, SenderStatus
from payam.providers.base import (
    FaultKind,
    InboundMessage,
    MediaPayload,
    OutgoingMessage,
    ProviderEvent,
    ProviderFault,
    Receipt,
    ReceiptStatus,
    SendAccepted,
    SenderIdentity,
)
from payam.providers.cloud.credentials import masked
from payam.providers.cloud.graph import (
    AUTH_CODES,
    NOT_ON_WHATSAPP,
    GraphClient,
    GraphError,
    GraphNumber,
    fault_for,
)
from payam.providers.cloud.inbox import InboxStream

logger = structlog.get_logger(__name__)

_CAPTIONED = frozenset({MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.DOCUMENT})


@dataclass(frozen=True, slots=True)
class CloudConfig:
    """A Cloud number's ``provider_config``, its secrets still sealed."""

    phone_number_id: str
    waba_id: str
    graph_base_url: str
    api_version: str
    access_token: str  # sealed
    app_secret: str  # sealed
    verify_token: str  # sealed

    @classmethod
    def of(cls, config: dict[str, Any]) -> CloudConfig:
        try:
            return cls(**{name: str(config[name]) for name in cls.__dataclass_fields__})
        except KeyError as error:
            raise ProviderFault(
                FaultKind.ACCOUNT,
                f"this Cloud API number has no {error.args[0]}; set its credentials again",
                sender_status=SenderStatus.LOGGED_OUT,
            ) from error

    def as_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    def number(self, box: CredentialBox) -> GraphNumber:
        return GraphNumber(
            base_url=self.graph_base_url,
            api_version=self.api_version,
            phone_number_id=self.phone_number_id,
            access_token=box.open(self.access_token),
        )


_PLACEHOLDER = re.compile(r"\{\{\s*(\d+)\s*\}\}")


@dataclass(frozen=True, slots=True)
class WhatsAppTemplate:
    """One message template of a WABA: what a campaign may choose, and how many values it takes."""

    name: str
    language: str
    status: str
    category: str
    body: str
    parameters: int  # the body's {{1}}, {{2}}, …
    # What else takes a value per message, which campaigns cannot fill (None: nothing).
    unfillable: str | None = None

    @classmethod
    def of(cls, item: dict[str, Any]) -> WhatsAppTemplate:
        found = item.get("components")
        components = [c for c in (found if isinstance(found, list) else []) if isinstance(c, dict)]
        body = next((str(c.get("text") or "") for c in components if c.get("type") == "BODY"), "")
        numbers = {int(found) for found in _PLACEHOLDER.findall(body)}
        return cls(
            name=str(item.get("name") or ""),
            language=str(item.get("language") or ""),
            status=str(item.get("status") or ""),
            category=str(item.get("category") or ""),
            body=body,
            parameters=max(numbers, default=0),
            unfillable=_unfillable(components),
        )


# Buttons that take a value with every message (a URL's suffix is checked by its placeholder).
_VALUED_BUTTONS = frozenset({"COPY_CODE", "OTP", "FLOW", "CATALOG", "MPM"})


def _unfillable(components: list[dict[str, Any]]) -> str | None:
    """A template's header or buttons that need values per message: campaigns fill only the
    body's, so such a template is refused at start rather than failing every send."""
    for component in components:
        kind = component.get("type")
        if kind == "HEADER":
            header = str(component.get("format") or "TEXT").upper()
            if header != "TEXT":
                return f"its header takes media ({header.lower()})"
            if _PLACEHOLDER.search(str(component.get("text") or "")):
                return "its header takes a value"
        if kind == "BUTTONS":
            for button in component.get("buttons") or []:
                if not isinstance(button, dict):
                    continue
                if str(button.get("type")) in _VALUED_BUTTONS or _PLACEHOLDER.search(
                    str(button.get("url") or "")
                ):
                    return f"its {str(button.get('type')).lower()} button takes a value"
    return None


def text_payload(to: str, message: OutgoingMessage) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": {"body": message.text, "preview_url": False},
        "biz_opaque_callback_data": message.message_id,
    }


def template_payload(to: str, message: OutgoingMessage) -> dict[str, Any]:
    assert message.template is not None
    template: dict[str, Any] = {
        "name": message.template.name,
        "language": {"code": message.template.language},
    }
    if message.template.parameters:
        parameters = [{"type": "text", "text": value} for value in message.template.parameters]
        template["components"] = [{"type": "body", "parameters": parameters}]
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": template,
        "biz_opaque_callback_data": message.message_id,
    }


def media_payload(to: str, message: OutgoingMessage, media_id: str) -> dict[str, Any]:
    assert message.media is not None
    kind = message.media.kind
    part: dict[str, Any] = {"id": media_id}
    if kind in _CAPTIONED and message.text:
        part["caption"] = message.text
    if kind is MediaKind.DOCUMENT:
        part["filename"] = message.media.filename
    type_name = kind.value.lower()
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": type_name,
        type_name: part,
        "biz_opaque_callback_data": message.message_id,
    }


def events_of(row: CloudWebhookEvent) -> list[ProviderEvent]:
    """What one inbox entry means to the engine.

    A ``read`` counts as delivered and read (Meta does not promise the delivered one, nor the
    order): the engine applies the delivery first, and a receipt never moves a message back.
    ``sent`` settles a send whose outcome the engine does not know; a ``failed`` with 131026
    says the recipient is not on WhatsApp (skipped, as when a send is refused for it).
    """
    if row.kind == "message":
        return [
            InboundMessage(
                from_phone=row.phone or "",
                text=row.text or "",
                at=row.occurred_at,
                key=row.dedup_key,
            )
        ]
    if row.message_id is None:
        return []  # not one of ours (sent from another tool on the same number)
    at = row.occurred_at
    if row.status == "delivered":
        return [Receipt(message_id=row.message_id, status=ReceiptStatus.DELIVERED, at=at)]
    if row.status == "read":
        return [
            Receipt(message_id=row.message_id, status=ReceiptStatus.DELIVERED, at=at),
            Receipt(message_id=row.message_id, status=ReceiptStatus.READ, at=at),
        ]
    if row.status == "sent":
        return [Receipt(message_id=row.message_id, status=ReceiptStatus.SENT, at=at)]
    if row.status == "failed":
        undeliverable = row.error_code == NOT_ON_WHATSAPP
        status = ReceiptStatus.NOT_ON_WHATSAPP if undeliverable else ReceiptStatus.FAILED
        return [Receipt(message_id=row.message_id, status=status, at=at, reason=row.reason)]
    return []


def unreadable_credentials() -> ProviderFault:
    return ProviderFault(
        FaultKind.ACCOUNT,
        "the number's access token cannot be read with the configured credential keys; "
        "set its credentials again",
        sender_status=SenderStatus.LOGGED_OUT,
    )


class CloudSession:
    """One Cloud number, open in the worker that holds it. Implements ``ProviderSession``."""

    def __init__(self, *, provider: CloudProvider, identity: SenderIdentity, config: CloudConfig):
        self.identity = identity
        self._provider = provider
        self._graph = self._graph_for(config)
        self._media_ids: dict[str, str] = {}
        self._closed = asyncio.Event()
        self._inbox = InboxStream(
            sessionmaker=provider.sessionmaker,
            sender_id=identity.sender_id,
            meaning=events_of,
            poll_seconds=provider.settings.cloud_inbox_poll_seconds,
        )

    async def send(self, message: OutgoingMessage) -> SendAccepted:
        if self._closed.is_set():
            raise RuntimeError("this Cloud API session is closed")
        to = message.to.removeprefix("+")
        try:
            if message.template is not None:
                payload = template_payload(to, message)
            elif message.media is None:
                payload = text_payload(to, message)
            else:
                payload = media_payload(to, message, await self._media_id(message.media))
            wamid = await self._graph.send(payload)
        except GraphError as error:
            fault = fault_for(error)
            logger.info(
                "providers.cloud.send_refused",
                sender_id=self.identity.sender_id,
                code=error.code,
                subcode=error.subcode,
                fbtrace_id=error.fbtrace_id,
                fault=fault.kind.value,
            )
            raise fault from error
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            # The request never left this machine: nothing can have been sent.
            raise ProviderFault(
                FaultKind.TRANSIENT, f"the Graph API could not be reached ({error!r})"
            ) from error
        except httpx.TransportError as error:
            # It left and no answer came back: it may have been sent.
            raise ProviderFault(
                FaultKind.UNCERTAIN, f"the Graph API did not answer ({type(error).__name__})"
            ) from error
        return SendAccepted(provider_message_id=wamid)

    async def _media_id(self, media: MediaPayload) -> str:
        """The file uploaded once per session (Meta keeps an upload for 30 days)."""
        found = self._media_ids.get(media.sha256)
        if found is None:
            try:
                found = await self._graph.upload_media(
                    content=media.content, mime_type=media.mime_type, filename=media.filename
                )
            except httpx.TransportError as error:
                # Nothing was sent to anyone yet: an upload is safe to try again.
                raise ProviderFault(
                    FaultKind.TRANSIENT, f"the attachment could not be uploaded ({error!r})"
                ) from error
            self._media_ids[media.sha256] = found
        return found

    # The engine never asks (see check): a send to a number not on WhatsApp is skipped by its
    # error code instead.
    checks_presence = False

    async def check(self, phones: list[str]) -> dict[str, bool]:
        # The Cloud API no longer says who is on WhatsApp: a send to someone who is not fails
        # with 131026, and the engine skips that recipient.
        return dict.fromkeys(phones, True)

    def events(self) -> AsyncIterator[ProviderEvent]:
        """The number's webhook inbox, oldest first, polled until close().

        An entry stays in the inbox until the engine acknowledges every event it made, so a
        worker that dies before recording them leaves them to the next session of the number.
        """
        return self._inbox.events()

    async def acknowledge(self, events: Sequence[ProviderEvent]) -> None:
        """The engine recorded these events: their inbox entries are done once all theirs are."""
        await self._inbox.acknowledge(events)

    def reconfigure(self, identity: SenderIdentity) -> None:
        try:
            graph = self._graph_for(CloudConfig.of(identity.provider_config))
        except CredentialUnreadable as error:
            raise unreadable_credentials() from error
        self.identity, self._graph = identity, graph
        # Media uploaded for another phone number id is not this one's to send.
        self._media_ids.clear()

    def _graph_for(self, config: CloudConfig) -> GraphClient:
        return GraphClient(
            self._provider.http,
            config.number(self._provider.box),
            timeout=self._provider.settings.cloud_timeout_seconds,
        )

    async def close(self) -> None:
        """Stop the stream; what was handed out and not acknowledged stays in the inbox."""
        self._closed.set()
        self._inbox.close()


class CloudProvider:
    """The Cloud API transport. Implements ``Provider``; one per process (see the registry)."""

    name = "cloud"

    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        http: httpx.AsyncClient,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.http = http
        self.box = CredentialBox(settings)

    def sealed(
        self,
        *,
        phone_number_id: str,
        waba_id: str,
        access_token: str,
        app_secret: str,
        verify_token: str,
        graph_base_url: str | None,
    ) -> dict[str, object]:
        """The ``provider_config`` of a number with these credentials, its secrets sealed.

        Beside them, each secret's last characters, so the number can be shown without opening
        anything.
        """
        config = CloudConfig(
            phone_number_id=phone_number_id,
            waba_id=waba_id,
            graph_base_url=(graph_base_url or self.settings.cloud_graph_base_url).rstrip("/"),
            api_version=self.settings.cloud_api_version,
            access_token=self.box.seal(access_token),
            app_secret=self.box.seal(app_secret),
            verify_token=self.box.seal(verify_token),
        )
        hints = {
            "access_token": masked(access_token),
            "app_secret": masked(app_secret),
            "verify_token": masked(verify_token),
        }
        return {**config.as_dict(), "hints": hints}

    def updated(
        self,
        config: dict[str, Any],
        *,
        access_token: str | None,
        app_secret: str | None,
        verify_token: str | None,
        graph_base_url: str | None,
    ) -> dict[str, object]:
        """``config`` with the secrets given replaced, every secret resealed with the newest key."""
        current = CloudConfig.of(config)
        return self.sealed(
            phone_number_id=current.phone_number_id,
            waba_id=current.waba_id,
            access_token=access_token or self.box.open(current.access_token),
            app_secret=app_secret or self.box.open(current.app_secret),
            verify_token=verify_token or self.box.open(current.verify_token),
            graph_base_url=graph_base_url or current.graph_base_url,
        )

    async def verified_phone(self, config: dict[str, Any]) -> str:
        """Ask the Graph API for the number these credentials speak as: its E.164 phone.

        Refuses, naming the field, credentials Meta does not accept; answers 503 when the Graph
        API cannot be reached. Call it outside any database transaction.
        """
        number = CloudConfig.of(config).number(self.box)
        graph = GraphClient(self.http, number, timeout=self.settings.cloud_timeout_seconds)
        try:
            found = await graph.phone_number()
        except GraphError as error:
            if error.http_status >= 500:
                raise ServiceUnavailable(f"The Graph API failed: {error}") from error
            field = "cloud.access_token" if error.code in AUTH_CODES else "cloud.phone_number_id"
            raise InvalidInput(f"Meta refused these credentials: {error}", field=field) from error
        except httpx.TransportError as error:
            raise ServiceUnavailable(
                f"The Graph API could not be reached ({type(error).__name__}); try again"
            ) from error
        display = str(found.get("display_phone_number") or "")
        try:
            return normalize_phone(display, default_region=self.settings.default_phone_region)
        except InvalidPhoneNumber as error:
            raise InvalidInput(
                f"The Graph API gave no usable number for this id ({display!r})",
                field="cloud.phone_number_id",
            ) from error

    async def templates(self, config: dict[str, Any]) -> list[WhatsAppTemplate]:
        """The number's WABA's message templates, as Meta lists them (outside any transaction)."""
        current = CloudConfig.of(config)
        graph = GraphClient(
            self.http, current.number(self.box), timeout=self.settings.cloud_timeout_seconds
        )
        try:
            found = await graph.templates(current.waba_id)
        except GraphError as error:
            raise ServiceUnavailable(f"The Graph API refused the template list: {error}") from error
        except httpx.TransportError as error:
            raise ServiceUnavailable(
                f"The Graph API could not be reached ({type(error).__name__}); try again"
            ) from error
        return [WhatsAppTemplate.of(item) for item in found]

    async def check_template(self, config: dict[str, Any], mapping: TemplateMapping) -> None:
        """Refuse, naming the field, a template this number's WABA cannot send as mapped."""
        found = [
            template
            for template in await self.templates(config)
            if template.name == mapping.name and template.language == mapping.language
        ]
        waba = config.get("waba_id")
        if not found:
            raise InvalidInput(
                f"WhatsApp Business Account {waba} has no template {mapping.name} "
                f"in {mapping.language}",
                field="whatsapp_template.name",
            )
        template = found[0]
        if template.status != "APPROVED":
            raise InvalidInput(
                f"Template {mapping.name} is {template.status}, not APPROVED, in WhatsApp "
                f"Business Account {waba}: only approved templates are delivered",
                field="whatsapp_template.name",
            )
        if template.unfillable is not None:
            raise InvalidInput(
                f"Template {mapping.name} cannot be sent by a campaign: {template.unfillable}, "
                "and campaigns fill only the body's values; choose a template whose header and "
                "buttons are fixed",
                field="whatsapp_template.name",
            )
        if template.parameters != len(mapping.variables):
            raise InvalidInput(
                f"Template {mapping.name} takes {template.parameters} values; "
                f"{len(mapping.variables)} columns are mapped",
                field="whatsapp_template.variables",
            )

    async def open(self, identity: SenderIdentity) -> CloudSession:
        config = CloudConfig.of(identity.provider_config)
        try:
            return CloudSession(provider=self, identity=identity, config=config)
        except CredentialUnreadable as error:
            raise unreadable_credentials() from error
