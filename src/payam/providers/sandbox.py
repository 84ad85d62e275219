"""The simulated WhatsApp (provider ``sandbox``), which embedded mode, tests and benchmarks drive.

It behaves like an outside service, not like a mock inside the worker. Every send it accepts is
written to its own ledger (``sandbox_messages``) in its own transaction before ``send`` returns,
and delivery and read receipts are worked out from that ledger. So a worker killed right after a
send still leaves the record, and the receipts for it arrive when the number is opened again:
that is how the engine settles recipients a crash left UNKNOWN, and how the crash test proves that
nothing was sent twice.

Receipts follow the contract in ``providers.base``: the ledger marks one delivered (or read)
only when the engine acknowledges it, after recording it. One taken and not acknowledged (the
worker died, its transaction failed) is handed out again, to the next session of the number; a
process never hands out the same one twice at once, but two processes holding one number (a
lease changing hands) may both hand it out, as WhatsApp may: recording a receipt is idempotent.

One ``SandboxProvider`` serves every number a process holds. Its sessions share one writer that
group-commits concurrent sends and one task that polls the ledger for due receipts of all open
numbers at once, so ten thousand open numbers cost one query per poll, not ten thousand.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random
from typing import Any

import structlog
from sqlalchemy import ColumnElement, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from payam.config import Settings
from payam.db.session import transaction
from payam.kit.clock import utc_now
from payam.kit.errors import InvalidInput
from payam.kit.phones import InvalidPhoneNumber, normalize_phone
from payam.models import SandboxMessage, SenderStatus
from payam.providers.base import (
    ConnectionChange,
    FaultKind,
    InboundMessage,
    OutgoingMessage,
    ProviderEvent,
    ProviderFault,
    Receipt,
    ReceiptStatus,
    SendAccepted,
    SenderIdentity,
)

logger = structlog.get_logger(__name__)

DEFAULT_POLL_SECONDS = 0.2
DEFAULT_BATCH_SIZE = 500
FRIENDLY_REPLIES = ("ممنون", "Thanks!", "سلام، ممنون از پیامتون", "OK 👍", "باشه")

# Rates are applied in steps of 1/10,000: fine enough for any share a user would configure.
_RATE_SCALE = 10_000
# Phones named in one receipt query; well under every backend's limit on bound parameters.
_PHONES_PER_QUERY = 500
# How many numbers link() tries before it settles for one the rate says is not on WhatsApp.
_LINK_ATTEMPTS = 1_000


def is_on_whatsapp(phone: str, *, not_on_whatsapp_rate: float) -> bool:
    """Whether the sandbox treats this E.164 number as on WhatsApp.

    Decided by a stable hash of the number alone, so ``check`` and ``send`` always agree, every
    process and every run agree, and a test can predict the answer.
    """
    digest = hashlib.blake2b(phone.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % _RATE_SCALE >= round(not_on_whatsapp_rate * _RATE_SCALE)


@dataclass(frozen=True, slots=True)
class _Queued:
    """An event waiting in a session, with the ledger row it stands for (receipts only)."""

    event: ProviderEvent
    row_id: int | None = None
    stage: ReceiptStatus | None = None


class SandboxOutcomeUnknown(Exception):
    """The ledger write failed: the send may or may not have been accepted.

    Deliberately not a ProviderFault: the engine must not resend blindly but treat the recipient
    as UNKNOWN, exactly as after a network error with a real transport.
    """


class _LedgerWriter:
    """Group commit: sends that reach the ledger at the same moment share one INSERT and commit.

    Each send still returns only after its own row is committed, but a worker sending to many
    numbers at once pays one round trip per batch instead of one per message, which is what lets
    the dispatch path reach its throughput target on a zero-latency sandbox.
    """

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], *, batch_size: int) -> None:
        self._sessionmaker = sessionmaker
        self._batch_size = batch_size
        self._waiting: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None

    async def record(self, row: dict[str, Any]) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((row, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain(), name="sandbox-ledger")
        # A send cancelled while it waits may still be written, as a real send whose answer
        # never came back may still have gone out.
        await future

    async def _drain(self) -> None:
        while self._waiting:
            batch = self._waiting[: self._batch_size]
            del self._waiting[: len(batch)]
            try:
                async with transaction(self._sessionmaker) as session:
                    await session.execute(insert(SandboxMessage), [row for row, _ in batch])
            except Exception as error:
                logger.exception("providers.sandbox.ledger_write_failed", messages=len(batch))
                for _, future in batch:
                    if not future.done():
                        unknown = SandboxOutcomeUnknown("the simulated WhatsApp did not answer")
                        unknown.__cause__ = error
                        future.set_exception(unknown)
            else:
                for _, future in batch:
                    if not future.done():
                        future.set_result(None)


class SandboxSession:
    """One simulated number, open in this process. Implements ``ProviderSession``."""

    def __init__(self, *, provider: SandboxProvider, identity: SenderIdentity, phone: str) -> None:
        self.identity = identity
        self.phone = phone
        self._provider = provider
        # None marks the end of the stream, so every events() iterator stops after close().
        self._queue: asyncio.Queue[_Queued | None] = asyncio.Queue()
        self._consumers = 0
        self._closed = False
        # The last claim for this number hit the batch limit: more is due right away.
        self._more_due = False
        # Receipts handed out and not yet acknowledged (kept past close for a late ack).
        self._unacked: dict[Receipt, _Queued] = {}

    @property
    def closed(self) -> bool:
        return self._closed

    async def send(self, message: OutgoingMessage) -> SendAccepted:
        """Hand the message over; returns once the sandbox's ledger holds it.

        Raises ProviderFault (NOT_ON_WHATSAPP, TRANSIENT, ACCOUNT) when it is not accepted, and
        SandboxOutcomeUnknown when the ledger write failed and nobody can tell.
        """
        self._ensure_open()
        provider = self._provider
        settings = provider.settings
        await provider._round_trip()
        provider._raise_if_account_down(self.phone)
        if not is_on_whatsapp(
            message.to, not_on_whatsapp_rate=settings.sandbox_not_on_whatsapp_rate
        ):
            raise ProviderFault(FaultKind.NOT_ON_WHATSAPP, f"{message.to} is not on WhatsApp")
        if provider._chance(settings.sandbox_failure_rate):
            raise ProviderFault(
                FaultKind.TRANSIENT, "the simulated WhatsApp is busy; try again later"
            )
        await provider._ledger.record(
            {
                "sender_phone": self.phone,
                "recipient_phone": message.to,
                "message_id": message.message_id,
                "body": message.text,
                "media_sha256": message.media.sha256 if message.media is not None else None,
                "accepted_at": utc_now(),
            }
        )
        # WhatsApp Web lets the sender choose the id, so the provider's id is ours.
        return SendAccepted(provider_message_id=message.message_id)

    checks_presence = True

    async def check(self, phones: list[str]) -> dict[str, bool]:
        self._ensure_open()
        provider = self._provider
        await provider._round_trip()
        provider._raise_if_account_down(self.phone)
        rate = provider.settings.sandbox_not_on_whatsapp_rate
        return {phone: is_on_whatsapp(phone, not_on_whatsapp_rate=rate) for phone in phones}

    async def events(self) -> AsyncIterator[ProviderEvent]:
        """Receipts, replies and connection changes until close().

        Receipts are taken from the ledger only while someone iterates here, a batch at a time,
        so a number nobody listens to keeps its receipts in the ledger for later. The ledger
        keeps each one due until ``acknowledge``.
        """
        if self._closed:
            return
        self._consumers += 1
        self._provider._start_pump()
        try:
            while True:
                item = await self._queue.get()
                if item is None:
                    self._queue.put_nowait(None)  # for any other iterator of this session
                    return
                if self._queue.empty() and self._more_due:
                    self._more_due = False
                    self._provider._wake_pump()
                if isinstance(item.event, Receipt) and item.row_id is not None:
                    self._unacked[item.event] = item
                yield item.event
        finally:
            self._consumers -= 1

    async def acknowledge(self, events: Sequence[ProviderEvent]) -> None:
        """These events are recorded: the ledger marks their receipts delivered or read."""
        items = [
            self._unacked.pop(event)
            for event in events
            if isinstance(event, Receipt) and event in self._unacked
        ]
        await self._provider._acknowledge(items)

    def reconfigure(self, identity: SenderIdentity) -> None:
        self.identity = identity  # nothing the sandbox sends depends on

    async def close(self) -> None:
        """End the stream; receipts not taken, or taken and not acknowledged, stay due."""
        if self._closed:
            return
        self._closed = True
        untaken: list[_Queued] = list(self._unacked.values())
        while not self._queue.empty():
            item = self._queue.get_nowait()
            if item is not None:
                untaken.append(item)
        self._queue.put_nowait(None)
        await self._provider._release(self, untaken=untaken)

    @property
    def _listening(self) -> bool:
        return not self._closed and self._consumers > 0

    @property
    def _hungry(self) -> bool:
        """Someone is listening and has taken everything: time to claim more for this number."""
        return self._listening and self._queue.empty()

    def _deliver(self, items: Sequence[_Queued], *, more_due: bool) -> None:
        for item in items:
            self._queue.put_nowait(item)
        self._more_due = self._more_due or more_due

    def _ensure_open(self) -> None:
        if self._closed:
            raise RuntimeError("this sandbox session is closed")


@dataclass(frozen=True, slots=True)
class _Stage:
    """What makes a ledger row due for one kind of receipt, and which column records it."""

    status: ReceiptStatus
    column: str
    delay_seconds: float

    def due(self, cutoff_accepted_at: datetime) -> list[ColumnElement[bool]]:
        if self.status is ReceiptStatus.DELIVERED:
            conditions = [SandboxMessage.delivered_at.is_(None)]
        else:
            # Read never before delivered, whatever the two delays say.
            conditions = [
                SandboxMessage.delivered_at.is_not(None),
                SandboxMessage.read_at.is_(None),
            ]
        return [*conditions, SandboxMessage.accepted_at <= cutoff_accepted_at]


@dataclass(frozen=True, slots=True)
class _Due:
    id: int
    sender_phone: str
    recipient_phone: str
    message_id: str


@dataclass(frozen=True, slots=True)
class _Claimed:
    stage: _Stage
    rows: list[_Due]
    at: datetime
    full: bool  # the batch limit was reached: more may be due right away


class SandboxProvider:
    """The sandbox transport. Implements ``Provider``; keep one per process (see the registry).

    Both receipt delays count from the moment the send was accepted; a read receipt never comes
    before the delivery receipt of the same message.
    """

    name = "sandbox"

    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        random: Random | None = None,
        poll_seconds: float = DEFAULT_POLL_SECONDS,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        if poll_seconds <= 0:
            raise ValueError("poll_seconds must be positive")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.settings = settings
        self._sessionmaker = sessionmaker
        # Not for secrets: a simulation whose dice a test may load.
        self._random = random if random is not None else Random()  # noqa: S311
        self._poll_seconds = poll_seconds
        self._batch_size = batch_size
        self._ledger = _LedgerWriter(sessionmaker, batch_size=batch_size)
        self._sessions: dict[str, list[SandboxSession]] = {}
        # Receipts (ledger row, stage) handed to a session and neither acknowledged nor given
        # back: the pump passes over them, so this process never hands one out twice at once.
        self._out: set[tuple[int, ReceiptStatus]] = set()
        self._account_down: dict[str, tuple[SenderStatus, str]] = {}
        self._pump: asyncio.Task[None] | None = None
        self._pump_stop = asyncio.Event()
        self._pump_wake = asyncio.Event()

    async def open(self, identity: SenderIdentity) -> SandboxSession:
        if not identity.phone:
            raise ProviderFault(
                FaultKind.ACCOUNT,
                "this sandbox number is not linked yet",
                sender_status=SenderStatus.LOGGED_OUT,
            )
        session = SandboxSession(provider=self, identity=identity, phone=identity.phone)
        self._sessions.setdefault(identity.phone, []).append(session)
        return session

    async def link(self, *, user_phone_hint: str | None) -> tuple[str, dict[str, object]]:
        """Link a simulated number at once, as if its QR code had been scanned.

        Returns the number (the hint, normalized, when given) and the provider_config to keep.
        """
        if user_phone_hint:
            try:
                phone = normalize_phone(
                    user_phone_hint, default_region=self.settings.default_phone_region
                )
            except InvalidPhoneNumber as error:
                raise InvalidInput(str(error), field="phone") from error
        else:
            phone = self._new_phone()
        await self._round_trip()
        return phone, {"simulated": True, "linked_at": utc_now().isoformat()}

    def set_account_status(
        self, phone: str, status: SenderStatus, *, reason: str | None = None
    ) -> None:
        """Simulate WhatsApp logging this number out, banning it, or letting it back in.

        Only for this process's sessions: it is how tests drive the engine's account faults.
        Sessions of the number see a ConnectionChange; their sends then fail accordingly.
        """
        if status is SenderStatus.CONNECTED:
            self._account_down.pop(phone, None)
        else:
            self._account_down[phone] = (status, reason or f"the number is {status.value}")
        for session in self._sessions.get(phone, []):
            session._deliver(
                [_Queued(ConnectionChange(status=status, reason=reason))], more_due=False
            )

    # What sessions share -------------------------------------------------------------------

    async def _round_trip(self) -> None:
        latency_ms = self.settings.sandbox_latency_ms
        if latency_ms > 0:  # no sleep at all at 0: the dispatch benchmark runs on that
            await asyncio.sleep(latency_ms / 1000)

    def _chance(self, rate: float) -> bool:
        return rate > 0 and self._random.random() < rate

    def _raise_if_account_down(self, phone: str) -> None:
        down = self._account_down.get(phone)
        if down is None:
            return
        status, reason = down
        if status in {SenderStatus.LOGGED_OUT, SenderStatus.BANNED}:
            raise ProviderFault(FaultKind.ACCOUNT, reason, sender_status=status)
        # Disconnected (or linking again): the number itself is fine, so try again later.
        raise ProviderFault(FaultKind.TRANSIENT, reason)

    def _start_pump(self) -> None:
        if self._pump is not None and not self._pump.done() and not self._pump_stop.is_set():
            self._pump_wake.set()  # a new listener should not wait a whole poll for its backlog
            return
        # Each pump has its own events, so one that is stopping never swallows a new one's.
        self._pump_stop = asyncio.Event()
        self._pump_wake = asyncio.Event()
        self._pump = asyncio.create_task(
            self._run_pump(stop=self._pump_stop, wake=self._pump_wake), name="sandbox-receipts"
        )

    def _wake_pump(self) -> None:
        self._pump_wake.set()

    async def _release(self, session: SandboxSession, *, untaken: list[_Queued]) -> None:
        sessions = self._sessions.get(session.phone, [])
        if session in sessions:
            sessions.remove(session)
        if not sessions:
            self._sessions.pop(session.phone, None)
        try:
            self._give_back(untaken)
        finally:
            if not self._sessions and self._pump is not None:
                pump = self._pump
                self._pump = None
                self._pump_stop.set()
                self._pump_wake.set()
                await pump  # it finishes its current scan: no task left behind, no claim lost

    # Receipts ---------------------------------------------------------------------------------

    async def _run_pump(self, *, stop: asyncio.Event, wake: asyncio.Event) -> None:
        failures = 0
        while not stop.is_set():
            wake.clear()
            try:
                more_due = await self._pump_once()
                failures = 0
            except Exception:
                # The database may be restarting; the ledger keeps everything until it is back,
                # so back off (up to 5 s) rather than log five times a second.
                failures += 1
                logger.exception("providers.sandbox.receipts_failed", failures=failures)
                more_due = False
            if more_due:
                await asyncio.sleep(0)  # let listeners take the batch before the next one
                continue
            pause = min(self._poll_seconds * 2 ** min(failures, 10), max(self._poll_seconds, 5.0))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(pause):
                    await wake.wait()

    async def _pump_once(self) -> bool:
        phones = [
            phone
            for phone, sessions in self._sessions.items()
            if any(session._hungry for session in sessions)
        ]
        settings = self.settings
        stages = (
            _Stage(ReceiptStatus.DELIVERED, "delivered_at", settings.sandbox_delivery_seconds),
            _Stage(ReceiptStatus.READ, "read_at", settings.sandbox_read_seconds),
        )
        more_due = False
        for start in range(0, len(phones), _PHONES_PER_QUERY):
            for claimed in await self._take(stages, phones[start : start + _PHONES_PER_QUERY]):
                more_due = more_due or claimed.full
                await self._route(claimed)
        return more_due

    async def _take(self, stages: Sequence[_Stage], phones: list[str]) -> list[_Claimed]:
        """Due rows of these numbers, a batch of each stage, less those already handed out.

        Only reads: the ledger changes when a receipt is acknowledged (``_acknowledge``), so a
        process that dies holding receipts leaves them due for the next.
        """
        now = utc_now()
        taken: list[_Claimed] = []
        async with transaction(self._sessionmaker) as session:
            for stage in stages:
                found = (
                    await session.execute(
                        select(
                            SandboxMessage.id,
                            SandboxMessage.sender_phone,
                            SandboxMessage.recipient_phone,
                            SandboxMessage.message_id,
                        )
                        .where(
                            SandboxMessage.sender_phone.in_(phones),
                            *stage.due(now - timedelta(seconds=stage.delay_seconds)),
                        )
                        .order_by(SandboxMessage.id)
                        .limit(self._batch_size + len(self._out))
                    )
                ).all()
                rows = [_Due(*row) for row in found if (row.id, stage.status) not in self._out]
                rows = rows[: self._batch_size]
                if not rows:
                    continue
                self._out.update((row.id, stage.status) for row in rows)
                full = len(rows) >= self._batch_size
                taken.append(_Claimed(stage=stage, rows=rows, at=now, full=full))
        return taken

    async def _acknowledge(self, items: Sequence[_Queued]) -> None:
        """Mark these receipts' rows delivered or read (each once), then let them go: if the
        write fails they are due again, and handed out again (recording one is idempotent)."""
        by_column: dict[tuple[str, datetime], list[int]] = {}
        for item in items:
            if item.row_id is None or not isinstance(item.event, Receipt):
                continue
            column = "read_at" if item.stage is ReceiptStatus.READ else "delivered_at"
            by_column.setdefault((column, item.event.at), []).append(item.row_id)
        try:
            if by_column:
                async with transaction(self._sessionmaker) as session:
                    for (column, at), ids in sorted(by_column.items()):
                        unmarked = getattr(SandboxMessage, column).is_(None)
                        await session.execute(
                            update(SandboxMessage)
                            .where(SandboxMessage.id.in_(ids), unmarked)
                            .values({column: at})
                            .execution_options(synchronize_session=False)
                        )
        finally:
            self._give_back(items)

    async def _route(self, claimed: _Claimed) -> None:
        stage, at = claimed.stage, claimed.at
        by_phone: dict[str, list[_Queued]] = {}
        for row in claimed.rows:
            items = by_phone.setdefault(row.sender_phone, [])
            items.append(
                _Queued(
                    Receipt(message_id=row.message_id, status=stage.status, at=at),
                    row_id=row.id,
                    stage=stage.status,
                )
            )
            if stage.status is ReceiptStatus.DELIVERED:
                reply = self._reply(row.recipient_phone, at=at, key=f"reply:{row.id}")
                if reply is not None:
                    items.append(_Queued(reply))
        orphans: list[_Queued] = []
        # No await between choosing a session and queuing into it: close() cannot slip between.
        for phone, items in by_phone.items():
            sessions = self._sessions.get(phone, [])
            target = next((s for s in sessions if s._hungry), None) or next(
                (s for s in sessions if s._listening), None
            )
            if target is not None:
                target._deliver(items, more_due=claimed.full)
            else:
                orphans.extend(items)
        self._give_back(orphans)

    def _reply(self, recipient: str, *, at: datetime, key: str) -> InboundMessage | None:
        """Perhaps a reply to the message ``key`` names: a receipt handed out again may roll
        its reply again, under the same key, so it is still told once."""
        settings = self.settings
        if not self._chance(settings.sandbox_reply_rate):
            return None
        if settings.opt_out_keywords and self._chance(settings.sandbox_opt_out_rate):
            text = self._random.choice(settings.opt_out_keywords)
        else:
            text = self._random.choice(FRIENDLY_REPLIES)
        return InboundMessage(from_phone=recipient, text=text, at=at, key=key)

    def _give_back(self, items: Sequence[_Queued]) -> None:
        """Receipts nobody took (or took and dropped) are due again, for any session."""
        self._out.difference_update(
            (item.row_id, item.stage) for item in items if item.row_id and item.stage
        )

    def _new_phone(self) -> str:
        """A fresh Iranian mobile number in the 0990 range that the sandbox has on WhatsApp."""
        rate = self.settings.sandbox_not_on_whatsapp_rate
        phone = ""
        for _ in range(_LINK_ATTEMPTS):
            phone = f"+98990{self._random.randrange(10**7):07d}"
            if is_on_whatsapp(phone, not_on_whatsapp_rate=rate):
                break
        return phone
