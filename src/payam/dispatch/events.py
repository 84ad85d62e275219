"""What comes back from WhatsApp: receipts, replies (and opt-outs), connection changes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog

from payam.db.session import transaction
from payam.dispatch.repository import DispatchRepository, Transition
from payam.kit.clock import utc_now
from payam.kit.phones import DIGIT_TRANSLATION
from payam.models import RecipientStatus, Sender, SenderStatus
from payam.providers.base import (
    ConnectionChange,
    InboundMessage,
    ProviderEvent,
    ProviderSession,
    Receipt,
    ReceiptStatus,
)
from payam.runtime import Runtime
from payam.webhooks.outbox import Reply, record_replies

logger = structlog.get_logger(__name__)

EVENT_BATCH = 500
# A batch the database refused is tried again after 0.2 s, doubling up to 5 s.
RETRY_SECONDS = 0.1
MAX_RETRY_SECONDS = 5.0
_BEFORE_DELIVERY = frozenset(
    {RecipientStatus.SENDING, RecipientStatus.SENT, RecipientStatus.UNKNOWN}
)
_BEFORE_READ = _BEFORE_DELIVERY | {RecipientStatus.DELIVERED}
# Receipts of one moment apply in a message's own order: sent, then delivered, then the rest.
_RECEIPT_ORDER = {ReceiptStatus.SENT: 0, ReceiptStatus.DELIVERED: 1}


def receipt_transition(recipient_id: int, receipt: Receipt) -> Transition:
    """A receipt moves a message forward, never back; one for an UNKNOWN send settles it."""
    if receipt.status is ReceiptStatus.SENT:
        # Only an UNKNOWN send learns anything: a send in flight records its own outcome.
        return Transition(
            recipient_id,
            RecipientStatus.SENT,
            frozenset({RecipientStatus.UNKNOWN}),
            values={"sent_at": receipt.at, "error": None, "lease_expires_at": None},
        )
    if receipt.status is ReceiptStatus.DELIVERED:
        return Transition(
            recipient_id,
            RecipientStatus.DELIVERED,
            _BEFORE_DELIVERY,
            values={"delivered_at": receipt.at, "lease_expires_at": None},
        )
    if receipt.status is ReceiptStatus.READ:
        return Transition(
            recipient_id,
            RecipientStatus.READ,
            _BEFORE_READ,
            values={"read_at": receipt.at, "lease_expires_at": None},
        )
    # Not on WhatsApp is the recipient's circumstance, as when a send is refused for it.
    return Transition(
        recipient_id,
        RecipientStatus.SKIPPED
        if receipt.status is ReceiptStatus.NOT_ON_WHATSAPP
        else RecipientStatus.FAILED,
        _BEFORE_DELIVERY,
        values={
            "error": (receipt.reason or "WhatsApp could not deliver it")[:1000],
            "lease_expires_at": None,
        },
    )


def is_opt_out(text: str, keywords: list[str]) -> bool:
    normalized = " ".join(text.translate(DIGIT_TRANSLATION).split()).casefold()
    return normalized in {keyword.casefold() for keyword in keywords}


class EventHandler:
    def __init__(self, runtime: Runtime, *, notify: Callable[[set[int]], Awaitable[None]]) -> None:
        self.runtime = runtime
        self.notify = notify

    async def consume(self, *, sender_id: int, user_id: int, session: ProviderSession) -> None:
        """Pump a session's events into batches, each handled in one transaction and only then
        acknowledged to the transport (``providers.base``): a batch the database refused is
        tried again, and one this worker dies holding is handed out again to the next."""
        queue: asyncio.Queue[ProviderEvent] = asyncio.Queue(maxsize=EVENT_BATCH * 4)

        async def pump() -> None:
            async for event in session.events():
                await queue.put(event)

        pumping = asyncio.create_task(pump())
        try:
            while True:
                batch = [await queue.get()]
                while len(batch) < EVENT_BATCH and not queue.empty():
                    batch.append(queue.get_nowait())
                await self._handle_until_recorded(batch, sender_id=sender_id, user_id=user_id)
                try:
                    await session.acknowledge(batch)
                except Exception:
                    # Recorded all the same; the transport hands them out again, harmlessly.
                    logger.exception("provider_events_ack_failed", sender_id=sender_id)
        finally:
            pumping.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pumping

    async def _handle_until_recorded(
        self, batch: list[ProviderEvent], *, sender_id: int, user_id: int
    ) -> None:
        failures = 0
        while True:
            try:
                await self.handle(batch, sender_id=sender_id, user_id=user_id)
                return
            except Exception:
                failures += 1
                logger.exception("provider_events_failed", sender_id=sender_id, failures=failures)
                await asyncio.sleep(min(RETRY_SECONDS * 2 ** min(failures, 8), MAX_RETRY_SECONDS))

    async def handle(self, events: list[ProviderEvent], *, sender_id: int, user_id: int) -> None:
        receipts = [event for event in events if isinstance(event, Receipt)]
        inbound = [event for event in events if isinstance(event, InboundMessage)]
        connection = [event for event in events if isinstance(event, ConnectionChange)]
        changed: set[int] = set()
        now = utc_now()
        async with transaction(self.runtime.sessionmaker) as session:
            repo = DispatchRepository(session)
            if receipts:
                rows = await repo.recipients_by_message_id([r.message_id for r in receipts])
                by_message: dict[str, int] = {}
                for row in rows:
                    by_message.setdefault(row.message_id, row.id)
                transitions = [
                    receipt_transition(by_message[receipt.message_id], receipt)
                    for receipt in sorted(
                        receipts, key=lambda r: (r.at, _RECEIPT_ORDER.get(r.status, 2))
                    )
                    if receipt.message_id in by_message
                ]
                changed |= (await repo.apply_transitions(transitions)).campaigns
            replies = [
                Reply(
                    phone=message.from_phone,
                    text=message.text,
                    at=message.at,
                    key=message.key,
                    opted_out=is_opt_out(message.text, self.runtime.settings.opt_out_keywords),
                )
                for message in inbound
            ]
            for reply in replies:
                if reply.opted_out:
                    added = await repo.add_suppression(
                        user_id=user_id,
                        phone=reply.phone,
                        reason="replied with an opt-out",
                        now=now,
                    )
                    if added:
                        logger.info("number_opted_out", user_id=user_id, sender_id=sender_id)
            await record_replies(session, user_id=user_id, sender_id=sender_id, replies=replies)
            for change in connection[-1:]:
                sender = await repo.sender_for_update(sender_id)
                if sender is not None:
                    changed |= await self._connection_changed(repo, sender, change)
            changed |= set(await repo.finish_campaigns(changed, now=now))
        await self.notify(changed)

    @staticmethod
    async def _connection_changed(
        repo: DispatchRepository, sender: Sender, change: ConnectionChange
    ) -> set[int]:
        sender.status = change.status
        sender.status_reason = (change.reason or "")[:255] or None
        if change.status is SenderStatus.CONNECTED:
            return set()
        return set(await repo.pause_for_sender(sender, reason=change.reason or change.status.value))
