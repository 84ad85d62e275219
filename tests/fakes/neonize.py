"""A fake of the neonize client, below the WhatsApp Web adapter (the ``WebClient`` port).

It plays WhatsApp's side as whatsmeow shows it to a client: a device without keys gets QR codes
until a phone scans one (or a pairing code is typed), then ``Paired`` and ``Connected``; a device
whose keys are in its store connects without a scan; sends answer with WhatsApp's own message id;
receipts, replies, logouts and bans arrive as events. Every event is awaited through the client's
``on_event`` as the real adapter does (the library acknowledges to WhatsApp when it returns).

Device keys are written to the store file the provider names (an SQLite path), so a new process
(a restarted worker) finds the device linked, as it would with whatsmeow's store.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from payam.providers.web.client import (
    AccountLost,
    ClientEvent,
    Connected,
    Disconnected,
    EventSink,
    LinkingStopped,
    MessageSeen,
    OutgoingMedia,
    Paired,
    QrCode,
    ReceiptKind,
    ReceiptSeen,
    SendRefused,
)

# Set in worker processes a test starts: each fake client notes its connections and sends there,
# one JSON line each, so the test sees what every process did (``noted``).
LOG_VARIABLE = "PAYAM_FAKE_WHATSAPP_LOG"


def note(what: str, **details: object) -> None:
    path = os.environ.get(LOG_VARIABLE)
    if path:
        line = json.dumps({"what": what, "pid": os.getpid(), "at": time.time(), **details})
        with open(path, "a") as log:
            log.write(line + "\n")


def noted(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def write_device(store: str, device_jid: str) -> None:
    Path(store).write_text(json.dumps({"device_jid": device_jid}))


def stored_device(store: str) -> str | None:
    """The device whose keys are in ``store`` (None: none)."""
    path = Path(store)
    if not path.exists():
        return None
    found = json.loads(path.read_text()).get("device_jid")
    return str(found) if found else None


def forget_device(store: str) -> None:
    Path(store).unlink(missing_ok=True)


@dataclass
class SentMessage:
    device_jid: str
    to: str  # digits
    text: str
    wa_message_id: str
    media: OutgoingMedia | None = None


@dataclass
class FakeWhatsAppWeb:
    """WhatsApp's servers as the fake clients of this process see them."""

    clients: list[FakeClient] = field(default_factory=list)
    sent: list[SentMessage] = field(default_factory=list)
    not_on_whatsapp: set[str] = field(default_factory=set)
    checked: list[list[str]] = field(default_factory=list)  # each is_on_whatsapp call's numbers
    logged_out: set[str] = field(default_factory=set)  # device jids
    refuse_sends: bool = False
    hang_sends: bool = False
    unreachable: bool = False  # connecting fails, as with no network
    typing: list[tuple[str, bool]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):06d}"

    def live(self) -> list[FakeClient]:
        return [client for client in self.clients if client.connected]

    def linking(self) -> list[FakeClient]:
        return [client for client in self.live() if client.device_jid is None]

    def of_device(self, device_jid: str) -> list[FakeClient]:
        return [client for client in self.live() if client.device_jid == device_jid]

    # ---- what a phone or WhatsApp does ------------------------------------------------------

    async def scan(self, client: FakeClient, phone_digits: str) -> str:
        """The phone scans the client's QR code (or types its pairing code): linked."""
        device_jid = f"{phone_digits}:{next(self._ids) % 90 + 10}@s.whatsapp.net"
        write_device(client.store, device_jid)
        client.device_jid = device_jid
        await client.emit(Paired(device_jid=device_jid, phone_digits=phone_digits))
        await client.emit(Connected())
        return device_jid

    async def new_qr(self, client: FakeClient) -> str:
        code = f"2@{self.next_id('ref')},noise,identity,adv"
        await client.emit(QrCode(code=code))
        return code

    async def codes_stop(self, client: FakeClient) -> None:
        await client.emit(LinkingStopped("QR channel timed out"))
        client.connected = False

    async def receipt(
        self, device_jid: str, wa_ids: Sequence[str], kind: ReceiptKind, *, phone: str
    ) -> None:
        for client in self.of_device(device_jid):
            await client.emit(
                ReceiptSeen(tuple(wa_ids), kind, chat_phone=phone, at=datetime.now(tz=UTC))
            )

    async def reply(self, device_jid: str, *, phone: str, text: str) -> None:
        event = MessageSeen(
            wa_message_id=self.next_id("IN"),
            chat_phone=phone,
            text=text,
            at=datetime.now(tz=UTC),
            from_me=False,
        )
        for client in self.of_device(device_jid):
            await client.emit(event)

    async def echo(self, device_jid: str, wa_message_id: str, *, phone: str) -> None:
        """The account's own message seen going out (as another of its devices reports it)."""
        event = MessageSeen(
            wa_message_id=wa_message_id,
            chat_phone=phone,
            text="",
            at=datetime.now(tz=UTC),
            from_me=True,
        )
        for client in self.of_device(device_jid):
            await client.emit(event)

    async def drop(self, device_jid: str) -> None:
        """The connection drops (a network fault); the device stays linked."""
        for client in self.of_device(device_jid):
            client.connected = False
            await client.emit(Disconnected("websocket closed"))

    async def log_out(self, device_jid: str) -> None:
        """The phone removes the linked device."""
        self.logged_out.add(device_jid)
        for client in self.of_device(device_jid):
            client.connected = False
            await client.emit(AccountLost("WhatsApp logged the device out (LOGGED_OUT)", False))

    async def ban(self, device_jid: str, *, temporary: bool = True) -> None:
        self.logged_out.add(device_jid)
        reason = "SEND_TO_TOO_MANY_PEOPLE" if temporary else "permanent"
        for client in self.of_device(device_jid):
            client.connected = False
            await client.emit(AccountLost(f"WhatsApp banned the number ({reason})", True))


WORLD = FakeWhatsAppWeb()


class FakeClient:
    """Implements the ``WebClient`` port against ``WORLD`` (its constructor is the factory)."""

    def __init__(self, *, store: str, device_jid: str | None, on_event: EventSink) -> None:
        self.store = store
        self.device_jid = device_jid
        self.on_event = on_event
        self.connected = False
        self.pairing_phone: str | None = None
        WORLD.clients.append(self)

    async def emit(self, event: ClientEvent) -> None:
        await self.on_event(event)

    async def connect(self) -> None:
        if WORLD.unreachable:
            raise ConnectionError("web.whatsapp.com is unreachable")
        self.connected = True
        if self.device_jid is None:
            asyncio.get_running_loop().create_task(WORLD.new_qr(self))
            return
        known = stored_device(self.store)
        if known != self.device_jid or self.device_jid in WORLD.logged_out:
            # whatsmeow finds no device in the store, or WhatsApp refuses it.
            event: ClientEvent = (
                QrCode(code="2@unlinked")
                if known != self.device_jid
                else AccountLost("WhatsApp logged the device out (LOGGED_OUT)", banned=False)
            )
            asyncio.get_running_loop().create_task(self.emit(event))
            return
        note("connect", device=self.device_jid, client=id(self))
        asyncio.get_running_loop().create_task(self.emit(Connected()))

    async def pair_phone(self, phone_digits: str) -> str:
        if not self.connected:
            raise RuntimeError("connect first")
        self.pairing_phone = phone_digits
        return "ABCD1234"

    def _check(self) -> str:
        if not self.connected or self.device_jid is None:
            raise RuntimeError("not connected")
        if WORLD.refuse_sends:
            raise SendRefused("server returned error 500")
        return self.device_jid

    async def send_text(self, phone_digits: str, text: str) -> str:
        device = self._check()
        if WORLD.hang_sends:
            await asyncio.Event().wait()
        wa_id = WORLD.next_id("3EB0")
        WORLD.sent.append(SentMessage(device, phone_digits, text, wa_id))
        note("send", device=device, to=phone_digits)
        return wa_id

    async def send_media(self, phone_digits: str, media: OutgoingMedia, caption: str) -> str:
        device = self._check()
        wa_id = WORLD.next_id("3EB0")
        WORLD.sent.append(SentMessage(device, phone_digits, caption, wa_id, media=media))
        return wa_id

    async def typing(self, phone_digits: str, *, on: bool) -> None:
        WORLD.typing.append((phone_digits, on))

    async def on_whatsapp(self, phones_digits: Sequence[str]) -> dict[str, bool]:
        self._check()
        WORLD.checked.append(list(phones_digits))
        return {phone: phone not in WORLD.not_on_whatsapp for phone in phones_digits}

    async def logout(self) -> None:
        device = self._check()
        WORLD.logged_out.add(device)
        forget_device(self.store)
        self.connected = False

    async def disconnect(self) -> None:
        if self.connected and self.device_jid is not None:
            note("disconnect", device=self.device_jid, client=id(self))
        self.connected = False
