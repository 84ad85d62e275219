"""The client port: what the WhatsApp Web transport needs of a WhatsApp Web library.

The adapter (``neonize_client.NeonizeClient``) speaks it over neonize's ``NewAClient``; tests
swap in a fake with the same shape (``PAYAM_WEB_CLIENT_FACTORY``). The library's own events are
translated into the small set below, so the provider never sees a protobuf.

A client's ``on_event`` is awaited by the library's event callback before it returns, and the
library acknowledges a message or receipt to WhatsApp only once that callback has returned:
so whatever ``on_event`` writes to the database is written before WhatsApp forgets the event.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from payam.models import MediaKind


class ReceiptKind(StrEnum):
    DELIVERED = "delivered"
    READ = "read"


@dataclass(frozen=True, slots=True)
class QrCode:
    """A new QR code to show; it replaces the last."""

    code: str


@dataclass(frozen=True, slots=True)
class Paired:
    """The phone accepted the QR or pairing code: the device's keys are in the store."""

    device_jid: str  # "989121234567:12@s.whatsapp.net"
    phone_digits: str  # "989121234567"


@dataclass(frozen=True, slots=True)
class Connected:
    pass


@dataclass(frozen=True, slots=True)
class Disconnected:
    """The connection dropped; it may be tried again."""

    reason: str


@dataclass(frozen=True, slots=True)
class LinkingStopped:
    """WhatsApp issues no more QR codes for this linking attempt."""

    reason: str


@dataclass(frozen=True, slots=True)
class AccountLost:
    """The number can no longer send from this device: logged out, replaced, banned."""

    reason: str
    banned: bool


@dataclass(frozen=True, slots=True)
class ReceiptSeen:
    wa_message_ids: tuple[str, ...]
    kind: ReceiptKind
    chat_phone: str | None  # digits, when the chat is a phone number
    at: datetime


@dataclass(frozen=True, slots=True)
class MessageSeen:
    """A message in a one-to-one chat: someone's reply, or our own echo (``from_me``)."""

    wa_message_id: str
    chat_phone: str | None
    text: str
    at: datetime
    from_me: bool


ClientEvent = (
    QrCode
    | Paired
    | Connected
    | Disconnected
    | LinkingStopped
    | AccountLost
    | ReceiptSeen
    | MessageSeen
)
EventSink = Callable[[ClientEvent], Awaitable[None]]


class SendRefused(Exception):
    """WhatsApp (or the library before it) refused the message; nothing was sent."""


class SendRateLimited(SendRefused):
    """Refused for sending too fast: slow down."""


@dataclass(frozen=True, slots=True)
class OutgoingMedia:
    kind: MediaKind
    content: bytes
    mime_type: str
    filename: str


class WebClient(Protocol):
    """One device on one store: linking, or speaking as a linked number."""

    async def connect(self) -> None:
        """Start connecting; events tell what happens (``QrCode``, ``Connected``, …)."""
        ...

    async def pair_phone(self, phone_digits: str) -> str:
        """The 8-character code to type on the phone (connect first)."""
        ...

    async def send_text(self, phone_digits: str, text: str) -> str:
        """WhatsApp's id of the message sent; raises ``SendRefused``."""
        ...

    async def send_media(self, phone_digits: str, media: OutgoingMedia, caption: str) -> str:
        """WhatsApp's id of the message sent; raises ``SendRefused``."""
        ...

    async def typing(self, phone_digits: str, *, on: bool) -> None: ...

    async def on_whatsapp(self, phones_digits: Sequence[str]) -> dict[str, bool]:
        """Which of these numbers (digits) have WhatsApp."""
        ...

    async def logout(self) -> None:
        """Unlink this device from the phone and forget its keys."""
        ...

    async def disconnect(self) -> None: ...


class WebClientFactory(Protocol):
    def __call__(self, *, store: str, device_jid: str | None, on_event: EventSink) -> WebClient:
        """A client on ``store`` (an SQLite file path or a PostgreSQL DSN), resuming
        ``device_jid`` when given, else linking a new device."""
        ...
