"""A number's inbox read as a stream of provider events (decision 17).

A transport whose events reach the database before the engine sees them (the Cloud API's
webhook, WhatsApp Web's event callback) writes them to the inbox table; the session of the worker
holding the number hands them out from there, oldest first, and marks an entry taken only once
every event it made is acknowledged (``providers.base``). Each transport says what an entry
means (``Meaning``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from payam.db.session import transaction
from payam.kit.clock import utc_now
from payam.models import CloudWebhookEvent
from payam.providers.base import ProviderEvent
from payam.providers.cloud.repository import CloudInboxRepository

logger = structlog.get_logger(__name__)

INBOX_BATCH = 500
Meaning = Callable[[CloudWebhookEvent], list[ProviderEvent]]


class InboxStream:
    """One number's inbox, for the session that holds the number."""

    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        sender_id: int,
        meaning: Meaning,
        poll_seconds: float,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._sender_id = sender_id
        self._meaning = meaning
        self._poll_seconds = poll_seconds
        self._closed = asyncio.Event()
        self._wake = asyncio.Event()
        # Events handed out and not yet acknowledged (by id(), as the engine passes them back),
        # and how many of each entry's events are still out.
        self._handed: dict[int, tuple[ProviderEvent, int]] = {}
        self._left: dict[int, int] = {}

    def wake(self) -> None:
        """An entry was just written in this process: look now rather than at the next poll."""
        self._wake.set()

    async def events(self) -> AsyncIterator[ProviderEvent]:
        failures = 0
        while not self._closed.is_set():
            self._wake.clear()
            try:
                rows = await self._waiting()
                failures = 0
            except Exception:
                failures += 1
                logger.exception("providers.inbox_failed", failures=failures)
                rows = []
            if not rows:
                timeout = min(self._poll_seconds * 2**failures, max(self._poll_seconds, 5.0))
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(timeout):
                        await self._wake.wait()
                continue
            for row in rows:
                events = self._meaning(row)
                self._left[row.id] = len(events)
                for event in events:
                    self._handed[id(event)] = (event, row.id)
                    yield event

    async def _waiting(self) -> list[CloudWebhookEvent]:
        """The next entries not handed out; those meaning nothing are marked taken on the way."""
        async with transaction(self._sessionmaker) as session:
            repository = CloudInboxRepository(session)
            rows = await repository.waiting(
                self._sender_id, excluding=self._left.keys(), limit=INBOX_BATCH
            )
            empty = {row.id for row in rows if not self._meaning(row)}
            await repository.mark_taken(empty, now=utc_now())
        return [row for row in rows if row.id not in empty]

    async def acknowledge(self, events: Sequence[ProviderEvent]) -> None:
        done: list[int] = []
        for event in events:
            handed = self._handed.pop(id(event), None)
            if handed is None:
                continue
            row_id = handed[1]
            self._left[row_id] -= 1
            if self._left[row_id] <= 0:
                del self._left[row_id]
                done.append(row_id)
        if done:
            async with transaction(self._sessionmaker) as session:
                await CloudInboxRepository(session).mark_taken(done, now=utc_now())

    def close(self) -> None:
        self._closed.set()
        self._wake.set()
