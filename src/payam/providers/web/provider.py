"""The WhatsApp Web transport (provider ``web``): a linked device speaking through neonize.

Linking runs in the API process that was asked to link (``WebLinker``): it connects a new device,
writes each QR code to the number's row and announces it on the live socket (``sender.qr``), or
asks for a pairing code, and once the phone accepts, stores the device's id on the row and lets
go. From then on the device connects only in the worker that holds the number's lease
(``WebProvider.open``), so one number never has two live connections.

The library acknowledges an event to WhatsApp when its callback returns, so the callback
(``WebSession._on_event``) writes receipts, replies and account losses to the number's inbox
before returning; the engine reads them from there (``providers.inbox``) and they are marked
taken only once recorded. neonize cannot send under our message id, so each send's WhatsApp id is
written beside ours as soon as the send returns, and a receipt is turned back into our id through
that pair (or, when it beat the pair or a crash lost it, through the number's latest claim of the
phone still waiting for its outcome).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import random
import secrets
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import segno
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from payam.config import Settings
from payam.db.session import transaction
from payam.kit.clock import utc_now
from payam.models import CloudWebhookEvent, Sender, SenderStatus
from payam.providers.base import (
    ConnectionChange,
    FaultKind,
    OutgoingMessage,
    ProviderEvent,
    ProviderFault,
    SendAccepted,
    SenderIdentity,
)
from payam.providers.cloud.inbox import InboxStream
from payam.providers.cloud.provider import events_of as inbox_events_of
from payam.providers.cloud.repository import CloudInboxRepository, InboxEntry
from payam.providers.web.client import (
    AccountLost,
    ClientEvent,
    Connected,
    Disconnected,
    LinkingStopped,
    MessageSeen,
    OutgoingMedia,
    Paired,
    QrCode,
    ReceiptSeen,
    SendRateLimited,
    SendRefused,
    WebClient,
    WebClientFactory,
)
from payam.providers.web.repository import WebRepository
from payam.pubsub.hub import LiveHub, publish_after_commit

logger = structlog.get_logger(__name__)

SENDER_QR = "sender.qr"
SENDER_STATUS = "sender.status"
CHECK_BATCH = 50
# How many ids of messages typed on the phone a session remembers (their receipts follow soon).
TYPED_ON_PHONE_KEPT = 1_000
# How many of its own sends' ids a session keeps at hand for their receipts (most come within
# minutes); an older one is looked up in the database (``WebRepository.our_ids``).
OURS_KEPT = 10_000
RECONNECT_FIRST_SECONDS = 1.0
RECONNECT_MAX_SECONDS = 120.0
# Seconds of "typing…" before each send, set per number by its user (provider_config).
TYPING_SECONDS = "typing_seconds"
# Unlinking a number a worker holds (``WebProvider.unlink``): ``provider_config["unlink"]`` is
# asked by the API, then logged out or not connected as the worker lets the number go.
UNLINK = "unlink"
UNLINK_ASKED = "asked"
UNLINK_LOGGED_OUT = "logged_out"
UNLINK_NOT_CONNECTED = "not_connected"
UNLINK_POLL_SECONDS = 0.05
CODES_STOPPED = "WhatsApp stopped issuing QR codes before the phone linked: start linking again"


def store_for(settings: Settings, sender_id: int) -> str:
    """Where a number's device keys live: a PostgreSQL DSN shared by every number, or one SQLite
    file per number in a folder (the data folder's ``whatsapp`` by default)."""
    configured = settings.web_session_store
    if configured is not None and configured.startswith("postgres"):
        return configured
    folder = Path(configured) if configured else settings.data_dir / "whatsapp"
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / f"sender-{sender_id}.sqlite3")


def forget_store(settings: Settings, sender_id: int) -> None:
    """Delete a number's SQLite store (a PostgreSQL store forgets a device on logout)."""
    store = store_for(settings, sender_id)
    if store.startswith("postgres"):
        return
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(store + suffix).unlink(missing_ok=True)


def typing_seconds_of(config: dict[str, Any]) -> float | None:
    """The number's own "typing…" seconds, if its user set them."""
    value = config.get(TYPING_SECONDS)
    return None if value is None else float(value)


def user_settings(config: dict[str, Any]) -> dict[str, Any]:
    """What of a number's ``provider_config`` its user chose (kept when it links again)."""
    return {key: config[key] for key in (TYPING_SECONDS,) if key in config}


def load_factory(dotted: str) -> WebClientFactory:
    module_name, _, attribute = dotted.partition(":")
    return cast(WebClientFactory, getattr(importlib.import_module(module_name), attribute))


def reconnect_delay(attempt: int, rng: random.Random) -> float:
    """Exponential backoff with jitter: numbers cut off together do not come back together."""
    ceiling = min(RECONNECT_MAX_SECONDS, RECONNECT_FIRST_SECONDS * 2**attempt)
    return rng.uniform(ceiling / 2, ceiling)


def digits(phone: str) -> str:
    return phone.removeprefix("+")


def qr_images(code: str) -> dict[str, str]:
    """The QR code as data URIs an ``<img>`` shows."""
    qr = segno.make_qr(code)
    return {"svg": qr.svg_data_uri(scale=4, border=2), "png": qr.png_data_uri(scale=4, border=2)}


def web_events_of(row: CloudWebhookEvent) -> list[ProviderEvent]:
    """What one inbox entry of a Web number means: receipts and replies as the Cloud API's, and
    the number's loss (logged out, banned) as a connection change."""
    if row.kind == "connection":
        return [ConnectionChange(SenderStatus(row.status or "LOGGED_OUT"), reason=row.reason)]
    return inbox_events_of(row)


def _media_of(message: OutgoingMessage) -> OutgoingMedia | None:
    media = message.media
    if media is None:
        return None
    return OutgoingMedia(
        kind=media.kind, content=media.content, mime_type=media.mime_type, filename=media.filename
    )


class WebSession:
    """One linked number, connected in the worker that holds it. Implements ``ProviderSession``."""

    def __init__(self, *, provider: WebProvider, identity: SenderIdentity) -> None:
        self.identity = identity
        self._provider = provider
        settings = provider.settings
        self._device_jid = str(identity.provider_config.get("device_jid") or "")
        self._typing_seconds = self._typing_for(identity)
        self._inbox = InboxStream(
            sessionmaker=provider.sessionmaker,
            sender_id=identity.sender_id,
            meaning=web_events_of,
            poll_seconds=settings.cloud_inbox_poll_seconds,
        )
        self._client: WebClient | None = None
        self._connected = asyncio.Event()
        self._lost: ProviderFault | None = None
        self._answered = asyncio.Event()  # connected, or lost
        self._closed = False
        self._reconnecting: asyncio.Task[None] | None = None
        # WhatsApp's message id -> ours, for the latest sends of this session.
        self._ours: OrderedDict[str, str] = OrderedDict()
        # Messages seen going out that are not ours (typed on the phone): their receipts are
        # theirs, never a guess at one of our unsettled sends.
        self._typed_on_phone: OrderedDict[str, None] = OrderedDict()
        self.connects = 0

    # ---- connection ------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect, and wait until WhatsApp accepts the device (or says why it will not)."""
        if not self._device_jid:
            raise self._lost_as(
                AccountLost("this number has no linked device: link it again", banned=False)
            )
        await self._connect()
        try:
            async with asyncio.timeout(self._provider.settings.web_connect_timeout_seconds):
                await self._answered.wait()
        except TimeoutError:
            await self.close()
            raise ProviderFault(
                FaultKind.TRANSIENT, "WhatsApp did not answer the connection"
            ) from None
        if self._lost is not None:
            await self.close()
            raise self._lost

    async def _connect(self) -> None:
        self.connects += 1
        self._client = self._provider.factory(
            store=store_for(self._provider.settings, self.identity.sender_id),
            device_jid=self._device_jid,
            on_event=self._on_event,
        )
        await self._client.connect()

    def _lost_as(self, event: AccountLost) -> ProviderFault:
        status = SenderStatus.BANNED if event.banned else SenderStatus.LOGGED_OUT
        return ProviderFault(FaultKind.ACCOUNT, event.reason, sender_status=status)

    async def _reconnect(self) -> None:
        attempt = 0
        while not self._closed and self._lost is None and not self._connected.is_set():
            await asyncio.sleep(reconnect_delay(attempt, self._provider.rng))
            attempt += 1
            if self._closed or self._lost is not None or self._connected.is_set():
                return
            old, self._client = self._client, None
            if old is not None:
                with contextlib.suppress(Exception):
                    await old.disconnect()
            try:
                await self._connect()
            except Exception:
                logger.warning(
                    "providers.web.reconnect_failed",
                    sender_id=self.identity.sender_id,
                    attempt=attempt,
                )

    # ---- events from the library (written before its callback returns) -------------------

    async def _on_event(self, event: ClientEvent) -> None:
        if isinstance(event, Connected):
            self._connected.set()
            self._answered.set()
        elif isinstance(event, Disconnected):
            self._connected.clear()
            if (
                not self._closed
                and self._lost is None
                and (self._reconnecting is None or self._reconnecting.done())
            ):
                self._reconnecting = asyncio.create_task(self._reconnect())
        elif isinstance(event, AccountLost):
            await self._account_lost(event)
        elif isinstance(event, QrCode | LinkingStopped | Paired):
            # A linked device asked to link again: WhatsApp no longer knows it.
            await self._account_lost(
                AccountLost("WhatsApp no longer knows this device: link it again", banned=False)
            )
        elif isinstance(event, ReceiptSeen):
            await self._write_receipts(event)
        elif isinstance(event, MessageSeen) and event.from_me:
            await self._write_echo(event)
        elif isinstance(event, MessageSeen) and event.chat_phone:
            await self._write(
                [
                    InboxEntry(
                        dedup_key=f"message:{event.wa_message_id}",
                        kind="message",
                        occurred_at=event.at,
                        phone=f"+{event.chat_phone}",
                        text=event.text,
                    )
                ]
            )

    async def _account_lost(self, event: AccountLost) -> None:
        if self._lost is not None:
            return
        fault = self._lost_as(event)
        self._lost = fault
        self._connected.clear()
        self._answered.set()
        assert fault.sender_status is not None
        await self._write(
            [
                InboxEntry(
                    dedup_key=f"connection:{secrets.token_hex(8)}",
                    kind="connection",
                    occurred_at=utc_now(),
                    status=fault.sender_status.value,
                    reason=event.reason[:1000],
                )
            ]
        )

    async def _write_receipts(self, event: ReceiptSeen) -> None:
        sender_id = self.identity.sender_id
        async with transaction(self._provider.sessionmaker) as session:
            repository = WebRepository(session)
            ours = {wa: self._ours[wa] for wa in event.wa_message_ids if wa in self._ours}
            missing = [wa for wa in event.wa_message_ids if wa not in ours]
            ours |= await repository.our_ids(sender_id, missing)
            unknown = [
                wa_id
                for wa_id in event.wa_message_ids
                if wa_id not in ours and wa_id not in self._typed_on_phone
            ]
            if unknown and event.chat_phone:
                # A send whose answer (and so WhatsApp's id) never came: the phone's latest
                # unsettled send from this number is it (decision 19).
                found = await repository.awaiting_outcome(sender_id, f"+{event.chat_phone}")
                if found is not None:
                    ours |= dict.fromkeys(unknown, found)
            entries = [
                InboxEntry(
                    dedup_key=f"receipt:{wa_id}:{event.kind.value}",
                    kind="status",
                    status=event.kind.value,
                    message_id=ours.get(wa_id),
                    phone=f"+{event.chat_phone}" if event.chat_phone else None,
                    occurred_at=event.at,
                )
                for wa_id in event.wa_message_ids
            ]
            await CloudInboxRepository(session).record(sender_id, entries, now=utc_now())
        self._inbox.wake()

    async def _write_echo(self, event: MessageSeen) -> None:
        """Our own message seen going out: it was sent, which settles a send left UNKNOWN. Only
        by its exact id: a message typed on the phone is not ours."""
        wa_id = event.wa_message_id
        async with transaction(self._provider.sessionmaker) as session:
            ours = self._ours.get(wa_id) or (
                await WebRepository(session).our_ids(self.identity.sender_id, [wa_id])
            ).get(wa_id)
            if ours is None:
                self._typed_on_phone[wa_id] = None
                if len(self._typed_on_phone) > TYPED_ON_PHONE_KEPT:
                    self._typed_on_phone.popitem(last=False)
                return
            entry = InboxEntry(
                dedup_key=f"echo:{wa_id}",
                kind="status",
                status="sent",
                message_id=ours,
                phone=f"+{event.chat_phone}" if event.chat_phone else None,
                occurred_at=event.at,
            )
            await CloudInboxRepository(session).record(
                self.identity.sender_id, [entry], now=utc_now()
            )
        self._inbox.wake()

    async def _write(self, entries: Sequence[InboxEntry]) -> None:
        async with transaction(self._provider.sessionmaker) as session:
            await CloudInboxRepository(session).record(
                self.identity.sender_id, entries, now=utc_now()
            )
        self._inbox.wake()

    # ---- ProviderSession -------------------------------------------------------------------

    async def send(self, message: OutgoingMessage) -> SendAccepted:
        if self._lost is not None:
            raise self._lost
        client = self._client
        if client is None or not self._connected.is_set():
            raise ProviderFault(FaultKind.TRANSIENT, "the number is reconnecting to WhatsApp")
        to = digits(message.to)
        if self._typing_seconds > 0:
            with contextlib.suppress(Exception):
                await client.typing(to, on=True)
                await asyncio.sleep(self._typing_seconds)
                await client.typing(to, on=False)
        media = _media_of(message)
        try:
            if media is None:
                wa_id = await client.send_text(to, message.text)
            else:
                wa_id = await client.send_media(to, media, message.text)
        except SendRateLimited as refused:
            raise ProviderFault(
                FaultKind.RATE_LIMITED, f"WhatsApp asked to slow down: {refused}"
            ) from refused
        except SendRefused as refused:
            raise ProviderFault(FaultKind.TRANSIENT, f"WhatsApp refused it: {refused}") from refused
        self._ours[wa_id] = message.message_id
        if len(self._ours) > OURS_KEPT:
            self._ours.popitem(last=False)
        try:
            async with transaction(self._provider.sessionmaker) as session:
                await WebRepository(session).record_sent(
                    sender_id=self.identity.sender_id,
                    wa_message_id=wa_id,
                    message_id=message.message_id,
                    now=utc_now(),
                )
        except Exception:
            # Receipts of it in this session still find it in memory, later ones by its phone.
            logger.exception("providers.web.pair_unwritten", sender_id=self.identity.sender_id)
        return SendAccepted(provider_message_id=wa_id)

    checks_presence = True

    async def check(self, phones: list[str]) -> dict[str, bool]:
        client = self._client
        if client is None or not self._connected.is_set():
            return {}  # cannot tell now: asked again before a later claim
        found: dict[str, bool] = {}
        for start in range(0, len(phones), CHECK_BATCH):
            batch = phones[start : start + CHECK_BATCH]
            answers = await client.on_whatsapp([digits(phone) for phone in batch])
            found |= {phone: answers.get(digits(phone), False) for phone in batch}
        return found

    def events(self) -> Any:
        return self._inbox.events()

    async def acknowledge(self, events: Sequence[ProviderEvent]) -> None:
        await self._inbox.acknowledge(events)

    def reconfigure(self, identity: SenderIdentity) -> None:
        if str(identity.provider_config.get("device_jid") or "") != self._device_jid:
            raise ProviderFault(FaultKind.TRANSIENT, "linked to another device: connect again")
        self.identity = identity
        self._typing_seconds = self._typing_for(identity)

    def _typing_for(self, identity: SenderIdentity) -> float:
        # "Typing…" runs inside the send's deadline: a quarter of it at most, so a pause never
        # runs a send out of time (a send cut off is UNKNOWN, never tried again).
        settings = self._provider.settings
        typing = typing_seconds_of(identity.provider_config)
        return min(
            settings.web_typing_seconds if typing is None else typing,
            settings.send_timeout_seconds / 4,
        )

    async def close(self) -> None:
        """Disconnect; when the number is being unlinked (``unlink``), log the device out first
        and say so on its row, so that the API never connects a second time to do it."""
        self._closed = True
        self._inbox.close()
        if self._reconnecting is not None:
            self._reconnecting.cancel()
        client, self._client = self._client, None
        sender_id = self.identity.sender_id
        async with transaction(self._provider.sessionmaker) as session:
            unlinking = await WebRepository(session).unlink_state(sender_id) == UNLINK_ASKED
        # Whether there is a live connection to log out through, read before the logout (whose
        # own events may say the device is gone).
        logs_out = unlinking and client is not None and self._connected.is_set()
        if logs_out:
            assert client is not None
            try:
                await client.logout()
            except Exception:
                logger.warning("providers.web.logout_failed", sender_id=sender_id, exc_info=True)
            forget_store(self._provider.settings, sender_id)
        if client is not None:
            with contextlib.suppress(Exception):
                await client.disconnect()
        if unlinking:
            async with transaction(self._provider.sessionmaker) as session:
                await WebRepository(session).set_unlink_state(
                    sender_id, UNLINK_LOGGED_OUT if logs_out else UNLINK_NOT_CONNECTED
                )


@dataclass
class _Linking:
    sender_id: int
    user_id: int
    attempt: str
    client: WebClient | None = None
    paired: bool = False


class WebProvider:
    """The WhatsApp Web transport. Implements ``Provider``; one per process (the registry)."""

    name = "web"

    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        hub: LiveHub,
        rng: random.Random | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.hub = hub
        self.factory = load_factory(settings.web_client_factory)
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not secrets
        self._linking: dict[int, _Linking] = {}

    async def open(self, identity: SenderIdentity) -> WebSession:
        session = WebSession(provider=self, identity=identity)
        await session.start()
        return session

    # ---- linking -----------------------------------------------------------------------------

    def linking_config(self, *, kept_from: dict[str, Any] | None = None) -> dict[str, object]:
        """A number's ``provider_config`` as a linking attempt starts: the attempt's id fences
        what an earlier attempt (in this or another process) may still write. The user's own
        settings (``kept_from`` the old config) outlive linking again."""
        return {**user_settings(kept_from or {}), "attempt": secrets.token_hex(8)}

    async def start_linking(self, sender: Sender) -> None:
        """Connect a new device for ``sender`` (LINKING, committed with ``linking_config``)."""
        await self.stop_linking(sender.id)
        forget_store(self.settings, sender.id)
        linking = _Linking(sender.id, sender.user_id, str(sender.provider_config["attempt"]))
        self._linking[sender.id] = linking

        async def on_event(event: ClientEvent) -> None:
            await self._on_linking_event(linking, event)

        linking.client = self.factory(
            store=store_for(self.settings, sender.id), device_jid=None, on_event=on_event
        )
        await linking.client.connect()

    async def pairing_code(self, sender: Sender, phone: str) -> str:
        """The 8-character code for ``phone`` to type in WhatsApp (Linked devices)."""
        linking = self._linking.get(sender.id)
        if linking is None or linking.attempt != sender.provider_config.get("attempt"):
            await self.start_linking(sender)
            linking = self._linking[sender.id]
        assert linking.client is not None
        return await linking.client.pair_phone(digits(phone))

    async def stop_linking(self, sender_id: int) -> None:
        linking = self._linking.pop(sender_id, None)
        if linking is not None and linking.client is not None:
            with contextlib.suppress(Exception):
                await linking.client.disconnect()

    async def _on_linking_event(self, linking: _Linking, event: ClientEvent) -> None:
        if isinstance(event, QrCode):
            await self._linking_update(linking, qr=event.code)
        elif isinstance(event, Paired):
            linking.paired = True
            await self._linking_update(linking, paired=event)
        elif isinstance(event, Connected) and linking.paired:
            # The keys are stored: the worker holding the number connects from now on.
            asyncio.get_running_loop().call_soon(self._let_go, linking)
        elif isinstance(event, LinkingStopped | AccountLost) and not linking.paired:
            await self._linking_update(linking, stopped=event.reason)
            asyncio.get_running_loop().call_soon(self._let_go, linking)

    def _let_go(self, linking: _Linking) -> None:
        if self._linking.get(linking.sender_id) is linking:
            task = asyncio.create_task(self.stop_linking(linking.sender_id))
            task.add_done_callback(lambda _: None)

    async def _linking_update(
        self,
        linking: _Linking,
        *,
        qr: str | None = None,
        paired: Paired | None = None,
        stopped: str | None = None,
    ) -> None:
        now = utc_now()
        async with transaction(self.sessionmaker) as session:
            sender = await WebRepository(session).web_sender(linking.sender_id, for_update=True)
            if (
                sender is None
                or sender.status is not SenderStatus.LINKING
                or sender.provider_config.get("attempt") != linking.attempt
            ):
                return  # a later attempt, or the number is gone
            event: dict[str, Any]
            if qr is not None:
                sender.provider_config = {
                    **sender.provider_config,
                    "qr": qr,
                    "qr_at": now.isoformat(),
                }
                event = {"type": SENDER_QR, "sender_id": sender.id, "code": qr, **qr_images(qr)}
            elif paired is not None:
                sender.phone = f"+{paired.phone_digits}"
                sender.status = SenderStatus.CONNECTED
                sender.status_reason = None
                sender.connected_at = sender.connected_at or now
                sender.provider_config = {
                    **user_settings(sender.provider_config),
                    "device_jid": paired.device_jid,
                }
                event = {"type": SENDER_STATUS, "sender_id": sender.id, "status": "CONNECTED"}
            else:
                sender.status = SenderStatus.DISCONNECTED
                sender.status_reason = (stopped or CODES_STOPPED)[:255]
                sender.provider_config = user_settings(sender.provider_config)
                event = {
                    "type": SENDER_STATUS,
                    "sender_id": sender.id,
                    "status": sender.status.value,
                    "status_reason": sender.status_reason,
                }
            publish_after_commit(
                session, self.hub, sender.user_id, {**event, "at": now.isoformat()}
            )
        if paired is not None:
            logger.info("providers.web.linked", sender_id=linking.sender_id)

    # ---- unlinking ---------------------------------------------------------------------------

    async def unlink(self, sender_id: int, config: dict[str, Any], *, held: bool) -> None:
        """Log the device out of WhatsApp (best effort: the phone can also remove it) and forget
        its keys. Call it outside any transaction, once the number can no longer be leased.

        A number ``held`` by a worker is connected there: its row says ``unlink`` = asked, and
        the worker logs it out as it lets go (``WebSession.close``); this process connects only
        when no worker did (none was connected, or the one holding it died), so that one number
        never has two live connections.
        """
        await self.stop_linking(sender_id)
        if held and await self._worker_logged_out(sender_id):
            return
        device_jid = config.get("device_jid")
        if device_jid:
            connected = asyncio.Event()

            async def on_event(event: ClientEvent) -> None:
                if isinstance(event, Connected):
                    connected.set()

            client = self.factory(
                store=store_for(self.settings, sender_id),
                device_jid=str(device_jid),
                on_event=on_event,
            )
            try:
                await client.connect()
                async with asyncio.timeout(self.settings.web_connect_timeout_seconds):
                    await connected.wait()
                await client.logout()
            except Exception:
                logger.warning("providers.web.logout_failed", sender_id=sender_id)
            finally:
                with contextlib.suppress(Exception):
                    await client.disconnect()
        forget_store(self.settings, sender_id)

    async def _worker_logged_out(self, sender_id: int) -> bool:
        """Wait for the worker holding the number to log it out as it lets go (at its next lease
        pass); False once it is clear it will not: it had no connection, or it died (its lease
        ran out), or neither happened within a lease and a connection's time."""
        settings = self.settings
        deadline = (
            time.monotonic() + settings.sender_lease_seconds + settings.web_connect_timeout_seconds
        )
        while time.monotonic() < deadline:
            async with transaction(self.sessionmaker) as session:
                sender = await WebRepository(session).web_sender(sender_id)
                if sender is None:
                    return False
                state = sender.provider_config.get(UNLINK)
                died = (
                    state == UNLINK_ASKED
                    and sender.lease_owner is not None
                    and sender.lease_expires_at is not None
                    and sender.lease_expires_at < utc_now()
                )
            if state == UNLINK_LOGGED_OUT:
                return True
            if state == UNLINK_NOT_CONNECTED or died:
                return False
            await asyncio.sleep(UNLINK_POLL_SECONDS)
        logger.warning("providers.web.unlink_unanswered", sender_id=sender_id)
        return False
