"""The contract between the dispatch engine and a WhatsApp transport (DESIGN.md §6).

The engine chooses the message id before the send (``OutgoingMessage.message_id``); a transport
that can use it as WhatsApp's id does (WhatsApp Web), one that cannot echoes it back in receipts
(the Cloud API's ``biz_opaque_callback_data``). Either way a receipt names the message by our id,
so it can settle a send whose outcome a crash left unknown.

Events are delivered at least once, and acknowledged only once recorded. The engine takes a
batch from ``ProviderSession.events()``, records it in one database transaction, and only after
that transaction commits calls ``ProviderSession.acknowledge`` with the batch. A transport:

- keeps every event it handed out and that was not acknowledged, and hands it out again to the
  next session of the number (after the worker died, its transaction failed, or it closed the
  session), so a worker killed between taking a receipt and recording it loses nothing;
- tells its own source that an event is done only in ``acknowledge``, never on handing it out:
  the sandbox marks its ledger row then; a Cloud API adapter answers Meta's webhook 200 only
  once the event is written to the database (its inbox), and marks the inbox row taken only in
  ``acknowledge``; a WhatsApp Web adapter, whose library acknowledges to WhatsApp by itself when
  its event handler returns, writes the event to the database in that handler;
- may hand an event out more than once (two processes briefly holding one number, a crash just
  after the commit and before ``acknowledge``): recording an event is idempotent (a receipt
  moves a message forward, never back; an opt-out is added once).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from payam.models import MediaKind, SenderStatus


@dataclass(frozen=True, slots=True)
class MediaPayload:
    kind: MediaKind
    mime_type: str
    filename: str
    content: bytes
    sha256: str


@dataclass(frozen=True, slots=True)
class TemplateChoice:
    """An approved WhatsApp template (Cloud API) and its body's parameters, in order."""

    name: str
    language: str
    parameters: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    to: str  # E.164
    text: str
    message_id: str  # ours, chosen before the send
    media: MediaPayload | None = None
    # Sent instead of the text by a transport that has templates (the Cloud API).
    template: TemplateChoice | None = None


@dataclass(frozen=True, slots=True)
class SendAccepted:
    provider_message_id: str


class FaultKind(StrEnum):
    RATE_LIMITED = "RATE_LIMITED"  # slow down and try again; the recipient is not at fault
    TRANSIENT = "TRANSIENT"  # refused before WhatsApp took it (network, server): try again later
    # The send may or may not have happened (a timeout after the request left): the recipient
    # becomes UNKNOWN until a receipt settles it; it is never sent again blindly.
    UNCERTAIN = "UNCERTAIN"
    NOT_ON_WHATSAPP = "NOT_ON_WHATSAPP"  # skip the recipient
    RECIPIENT_INVALID = "RECIPIENT_INVALID"  # fail the recipient
    ACCOUNT = "ACCOUNT"  # the number itself is logged out, banned or revoked: stop using it


class ProviderFault(Exception):
    """A send that did not go through, classified so the engine knows what to do next."""

    def __init__(
        self,
        kind: FaultKind,
        reason: str,
        *,
        retry_after_seconds: float | None = None,
        sender_status: SenderStatus | None = None,
    ) -> None:
        self.kind = kind
        self.reason = reason
        self.retry_after_seconds = retry_after_seconds
        # For ACCOUNT faults: what the number's status becomes (LOGGED_OUT, BANNED, ...).
        self.sender_status = sender_status
        super().__init__(f"{kind.value}: {reason}")


class ReceiptStatus(StrEnum):
    SENT = "SENT"  # WhatsApp took the message: settles a send whose outcome was unknown
    DELIVERED = "DELIVERED"
    READ = "READ"
    FAILED = "FAILED"
    NOT_ON_WHATSAPP = "NOT_ON_WHATSAPP"  # undeliverable because the number cannot receive it


@dataclass(frozen=True, slots=True)
class Receipt:
    message_id: str  # ours
    status: ReceiptStatus
    at: datetime
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class InboundMessage:
    from_phone: str  # E.164
    text: str
    at: datetime
    # The transport's own name for this message, the same each time it is handed out, so that
    # a message handed out twice is told as one reply (None: told once per phone, time and text).
    key: str | None = None


@dataclass(frozen=True, slots=True)
class ConnectionChange:
    status: SenderStatus
    reason: str | None = None


ProviderEvent = Receipt | InboundMessage | ConnectionChange


@dataclass(frozen=True, slots=True)
class SenderIdentity:
    """What a transport needs to speak as one linked number."""

    sender_id: int
    phone: str | None
    provider_config: dict[str, object]


class ProviderSession(Protocol):
    """One linked number's live connection, held by the worker that owns the number."""

    async def send(self, message: OutgoingMessage) -> SendAccepted:
        """Hand the message to WhatsApp; raises ProviderFault when it does not go through."""
        ...

    @property
    def checks_presence(self) -> bool:
        """Whether ``check`` can tell who is on WhatsApp (the engine asks only then)."""
        ...

    async def check(self, phones: list[str]) -> dict[str, bool]:
        """Which of these E.164 numbers are on WhatsApp; a number it cannot tell about now is
        left out (a transport that can never tell answers every number True)."""
        ...

    def events(self) -> AsyncIterator[ProviderEvent]:
        """Receipts, inbound messages and connection changes, for as long as the session lives.

        Each receipt and inbound message stays the transport's (handed out again after a crash
        or a close) until ``acknowledge`` names it.
        """
        ...

    async def acknowledge(self, events: Sequence[ProviderEvent]) -> None:
        """These events are recorded (their transaction committed): the transport may forget
        them. Called after ``close`` too, for a batch recorded while the session closed."""
        ...

    def reconfigure(self, identity: SenderIdentity) -> None:
        """The number's settings changed while it is connected (its user set "typing…", or
        gave the Cloud API a new token): the next send follows them, on this connection. Raises
        when this connection cannot take them; the engine then opens the number again."""
        ...

    async def close(self) -> None:
        """End ``events()``; events handed out and not acknowledged are handed out again later."""
        ...


class Provider(Protocol):
    name: str

    async def open(self, identity: SenderIdentity) -> ProviderSession: ...
