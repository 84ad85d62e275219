"""The client port over neonize's ``NewAClient`` (the real WhatsApp Web library).

Everything neonize-specific is here: its protobuf events become the port's events, its
exceptions ``SendRefused`` or uncertain failures, and its event callback is made to wait for
``on_event``. neonize hands each event to the event loop and returns to the Go library at once,
and the Go library acknowledges the message or receipt to WhatsApp when that call returns; the
adapter instead blocks the library's (Go) thread until ``on_event`` has run, so WhatsApp is told
only once the event is in our database (``providers.base``).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import re
import threading
import weakref
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import structlog
from google.protobuf.message import Message as ProtoMessage
from neonize.aioze.client import NewAClient
from neonize.events import EVENT_TO_INT, INT_TO_EVENT
from neonize.exc import SendMessageError
from neonize.proto import Neonize_pb2 as neonize_proto
from neonize.utils.enum import ChatPresence, ChatPresenceMedia

from payam.models import MediaKind
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
    SendRateLimited,
    SendRefused,
)

logger = structlog.get_logger(__name__)

PHONE_SERVER = "s.whatsapp.net"
# whatsmeow shows a new QR code every 20 s after the first 60 s; none for longer means it stopped.
QR_SILENCE_SECONDS = 75.0
# whatsmeow's errors for a send that left and got no answer: it may have been delivered.
_UNCERTAIN = re.compile(r"timed out|deadline|context canceled|websocket|disconnected", re.I)
_RATE_LIMITED = re.compile(r"rate.?overlimit|\b429\b", re.I)
# neonize runs every Go call through asyncio.to_thread, and a connected client's Go call holds its
# thread for as long as the connection lives: with the default pool (cores + 4 threads) the fifth
# or sixth connected number would leave no thread for any send. Threads start only when needed.
GO_THREADS = 2048
_widened: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()
_RECEIPT_KINDS = {
    neonize_proto.Receipt.DELIVERED: ReceiptKind.DELIVERED,
    neonize_proto.Receipt.READ: ReceiptKind.READ,
    neonize_proto.Receipt.PLAYED: ReceiptKind.READ,
}
_BANNED_REASONS = {neonize_proto.TEMP_BANNED}
_ACCOUNT_REASONS = {
    neonize_proto.LOGGED_OUT,
    neonize_proto.TEMP_BANNED,
    neonize_proto.MAIN_DEVICE_GONE,
    neonize_proto.UNKNOWN_LOGOUT,
}


class SendUncertain(Exception):
    """The send left and no answer came back: it may or may not have gone out."""


def jid_of(device_jid: str) -> neonize_proto.JID:
    """``"989121234567:12@s.whatsapp.net"`` as neonize's JID."""
    user_device, _, server = device_jid.partition("@")
    user, _, device = user_device.partition(":")
    return neonize_proto.JID(
        User=user,
        Device=int(device or 0),
        Server=server or PHONE_SERVER,
        RawAgent=0,
        Integrator=0,
        IsEmpty=False,
    )


def _phone_of(*jids: neonize_proto.JID) -> str | None:
    """The phone digits of the first of these JIDs that is a phone number (not a LID)."""
    for jid in jids:
        if jid.User and jid.Server == PHONE_SERVER:
            return str(jid.User)
    return None


def _at(timestamp: int) -> datetime:
    # whatsmeow's timestamps are Unix seconds (milliseconds in some builds: both are handled).
    seconds = timestamp / 1000 if timestamp > 10_000_000_000 else timestamp
    return datetime.fromtimestamp(seconds, tz=UTC) if seconds > 0 else datetime.now(tz=UTC)


def _text_of(message: neonize_proto.Message) -> str:
    body = message.Message
    return str(
        body.conversation
        or body.extendedTextMessage.text
        or body.imageMessage.caption
        or body.videoMessage.caption
        or body.documentMessage.caption
        or ""
    )


def translate(event: ProtoMessage) -> ClientEvent | None:
    """The port's event for one of neonize's (None: nothing the provider needs)."""
    if isinstance(event, neonize_proto.Connected):
        return Connected()
    if isinstance(event, neonize_proto.PairStatus):
        if event.Status != neonize_proto.PairStatus.SUCCESS:
            return None
        jid = event.ID
        device = f":{jid.Device}" if jid.Device else ""
        return Paired(device_jid=f"{jid.User}{device}@{jid.Server}", phone_digits=jid.User)
    if isinstance(event, neonize_proto.Disconnected | neonize_proto.KeepAliveTimeout):
        return Disconnected(reason=type(event).__name__)
    if isinstance(event, neonize_proto.StreamReplaced):
        return AccountLost(
            "another WhatsApp Web client took over this device's session", banned=False
        )
    if isinstance(event, neonize_proto.TemporaryBan):
        reason = neonize_proto.TemporaryBan.TempBanReason.Name(event.Code)
        return AccountLost(f"WhatsApp banned the number for a while ({reason})", banned=True)
    if isinstance(event, neonize_proto.LoggedOut | neonize_proto.ConnectFailure):
        reason = event.Reason
        if reason not in _ACCOUNT_REASONS:
            return Disconnected(reason=neonize_proto.ConnectFailureReason.Name(reason))
        name = neonize_proto.ConnectFailureReason.Name(reason)
        if reason in _BANNED_REASONS:
            return AccountLost(f"WhatsApp banned the number ({name})", banned=True)
        return AccountLost(f"WhatsApp logged the device out ({name})", banned=False)
    if isinstance(event, neonize_proto.Receipt):
        kind = _RECEIPT_KINDS.get(event.Type)
        source = event.MessageSource
        if kind is None or source.IsGroup:
            return None
        return ReceiptSeen(
            wa_message_ids=tuple(event.MessageIDs),
            kind=kind,
            chat_phone=_phone_of(source.Chat, source.SenderAlt, source.RecipientAlt),
            at=_at(event.Timestamp),
        )
    if isinstance(event, neonize_proto.Message):
        source = event.Info.MessageSource
        if source.IsGroup:
            return None
        return MessageSeen(
            wa_message_id=event.Info.ID,
            chat_phone=_phone_of(source.Chat, source.SenderAlt, source.RecipientAlt),
            text=_text_of(event),
            at=_at(event.Info.Timestamp),
            from_me=source.IsFromMe,
        )
    return None


_SUBSCRIBED = (
    neonize_proto.PairStatus,
    neonize_proto.Connected,
    neonize_proto.Disconnected,
    neonize_proto.KeepAliveTimeout,
    neonize_proto.StreamReplaced,
    neonize_proto.TemporaryBan,
    neonize_proto.LoggedOut,
    neonize_proto.ConnectFailure,
    neonize_proto.Receipt,
    neonize_proto.Message,
)


class NeonizeClient:
    """Implements the ``WebClient`` port (and ``WebClientFactory`` by its constructor)."""

    def __init__(self, *, store: str, device_jid: str | None, on_event: EventSink) -> None:
        self._on_event = on_event
        self._loop: asyncio.AbstractEventLoop | None = None
        self._silence: asyncio.TimerHandle | None = None
        self._paired = False
        self._client = NewAClient(
            store,
            jid=jid_of(device_jid) if device_jid else None,
            # Keyed in the Go library by this id: each linking attempt gets its own.
            uuid=None if device_jid else f"link-{id(self)}",
            new_device=device_jid is None,
        )
        for event_type in _SUBSCRIBED:
            self._client.event(event_type)(self._noop)
        self._client.event.execute = self._execute
        self._client.event.qr(self._on_qr)

    @staticmethod
    async def _noop(_: NewAClient, __: ProtoMessage) -> None:
        """Registered so the library subscribes to the event; ``_execute`` does the work."""

    def _execute(self, _uuid: int, binary: int, size: int, code: int) -> None:
        """The library's event callback, on a Go thread: decode, and wait for ``on_event``."""
        event_type = INT_TO_EVENT.get(code)
        if event_type is None or code == EVENT_TO_INT[neonize_proto.Device]:
            return
        event = event_type.FromString(ctypes.string_at(binary, size))
        translated = translate(event)
        if isinstance(translated, Paired):
            self._paired = True
        if translated is not None:
            self._deliver(translated)

    def _deliver(self, event: ClientEvent) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        future = asyncio.run_coroutine_threadsafe(self._recorded(event), loop)
        if threading.get_ident() == getattr(loop, "_thread_id", None):
            return  # never block the loop on itself
        try:
            future.result()
        except Exception:
            # Not acknowledged as recorded: the library still acks it (nothing else can be done
            # from here), and the log says so.
            logger.exception("providers.web.event_unrecorded", event=type(event).__name__)

    async def _recorded(self, event: ClientEvent) -> None:
        await self._on_event(event)

    async def _on_qr(self, _: NewAClient, data: bytes) -> None:
        await self._on_event(QrCode(code=data.decode()))
        if self._silence is not None:
            self._silence.cancel()
        loop = asyncio.get_running_loop()
        self._silence = loop.call_later(QR_SILENCE_SECONDS, self._codes_stopped)

    def _codes_stopped(self) -> None:
        if not self._paired:
            task = asyncio.ensure_future(self._on_event(LinkingStopped("no new QR code came")))
            task.add_done_callback(lambda _: None)

    async def connect(self) -> None:
        self._loop = loop = asyncio.get_running_loop()
        if loop not in _widened:
            loop.set_default_executor(
                ThreadPoolExecutor(max_workers=GO_THREADS, thread_name_prefix="payam-go")
            )
            _widened.add(loop)
        running = await self._client.connect()
        running.add_done_callback(self._connection_ended)

    def _connection_ended(self, running: asyncio.Task[None]) -> None:
        """The library's connection task ended: say why when it failed (a key store it cannot
        open, WhatsApp out of reach), or the only trace is a timeout waiting for WhatsApp."""
        if running.cancelled():
            return
        error = running.exception()
        if error is not None:
            logger.warning("providers.web.connection_failed", reason=str(error)[:500])

    async def pair_phone(self, phone_digits: str) -> str:
        return str(await self._client.PairPhone(phone_digits, show_push_notification=True))

    async def _sent(self, send: Callable[[], Awaitable[Any]]) -> str:
        try:
            response = await send()
        except SendMessageError as error:
            text = str(error)
            if _UNCERTAIN.search(text):
                raise SendUncertain(text) from error
            if _RATE_LIMITED.search(text):
                raise SendRateLimited(text) from error
            raise SendRefused(text) from error
        return str(response.ID)

    async def send_text(self, phone_digits: str, text: str) -> str:
        return await self._sent(lambda: self._client.send_message(jid_of(phone_digits), text))

    async def send_media(self, phone_digits: str, media: OutgoingMedia, caption: str) -> str:
        try:
            built = await self._built(media, caption)
        except Exception as error:
            # Uploading the file or reading it (ffmpeg for video and audio) failed: nothing was
            # sent to anyone, so it may be tried again.
            raise SendRefused(f"the attachment could not be prepared ({error!r})") from error
        client = self._client
        sent = await self._sent(lambda: client.send_message(jid_of(phone_digits), built))
        if media.kind is MediaKind.AUDIO and caption:
            # Audio has no caption on WhatsApp: the text follows as its own message. The audio
            # went out whatever happens to it, so its failure is logged, not raised.
            try:
                await self._sent(lambda: client.send_message(jid_of(phone_digits), caption))
            except Exception:
                logger.warning("providers.web.audio_caption_unsent")
        return sent

    async def _built(self, media: OutgoingMedia, caption: str) -> neonize_proto.Message | Any:
        """The media message, its file uploaded to WhatsApp's media servers."""
        client = self._client
        if media.kind is MediaKind.IMAGE:
            return await client.build_image_message(media.content, caption=caption or None)
        if media.kind is MediaKind.VIDEO:
            return await client.build_video_message(media.content, caption=caption or None)
        if media.kind is MediaKind.AUDIO:
            return await client.build_audio_message(media.content)
        return await client.build_document_message(
            media.content,
            caption=caption or None,
            filename=media.filename,
            mimetype=media.mime_type,
        )

    async def typing(self, phone_digits: str, *, on: bool) -> None:
        state = ChatPresence.CHAT_PRESENCE_COMPOSING if on else ChatPresence.CHAT_PRESENCE_PAUSED
        await self._client.send_chat_presence(
            jid_of(phone_digits), state, ChatPresenceMedia.CHAT_PRESENCE_MEDIA_TEXT
        )

    async def on_whatsapp(self, phones_digits: Sequence[str]) -> dict[str, bool]:
        answers = await self._client.is_on_whatsapp(*(f"+{phone}" for phone in phones_digits))
        found = dict.fromkeys(phones_digits, False)
        for answer in answers:
            query = str(answer.Query).lstrip("+")
            if query in found:
                found[query] = bool(answer.IsIn)
        return found

    async def logout(self) -> None:
        await self._client.logout()

    async def disconnect(self) -> None:
        if self._silence is not None:
            self._silence.cancel()
        with contextlib.suppress(Exception):
            await self._client.disconnect()
        with contextlib.suppress(Exception):
            await self._client.stop()
