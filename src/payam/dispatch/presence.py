"""Checking recipients are on WhatsApp before they are sent to (issue 9).

A message to a number not on WhatsApp is one of the signals WhatsApp bans numbers for, so before
a tick's claim the engine asks each due number's transport, in one call, about the next
recipients of its running campaigns that have no fresh answer, and writes the answers
(``whatsapp_presence``, per user). The claim then skips those known not to be on WhatsApp, as it
skips opted-out numbers. The calls happen between transactions, never inside one; a transport
that cannot tell (the Cloud API) is never asked, and costs nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

import structlog

from payam.config import Settings
from payam.db.session import transaction
from payam.dispatch.repository import DispatchRepository
from payam.kit.clock import utc_now
from payam.providers.base import ProviderSession
from payam.runtime import Runtime

logger = structlog.get_logger(__name__)

# Recipients asked about in one call: a campaign paced at 5 s asks once per this many sends.
CHECK_AHEAD = 100
# How long a tick waits for its checks before it claims for the numbers that have answered.
CHECK_WAIT_SECONDS = 0.5


def absent_since(settings: Settings, *, now: datetime) -> datetime:
    """Answers "not on WhatsApp" given since then still hold."""
    return now - timedelta(hours=settings.whatsapp_check_not_on_ttl_hours)


def present_since(settings: Settings, *, now: datetime) -> datetime:
    """Answers "on WhatsApp" given since then still hold."""
    return now - timedelta(hours=settings.whatsapp_check_ttl_hours)


class PresenceChecker:
    """Asks ahead for the numbers due at each tick. A number whose check has not answered
    within ``CHECK_WAIT_SECONDS`` is left for a later tick while its check goes on (up to the
    send timeout), so that one slow transport holds up no other number's claim."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        # Each number's check under way, and when it asked (its answers' time).
        self._asking: dict[int, tuple[asyncio.Task[dict[tuple[int, str], bool]], datetime]] = {}

    async def check_ahead(self, connections: Mapping[int, ProviderSession]) -> set[int]:
        """Ask the transports of these numbers (due at one tick) about the recipients their
        next claims will take that have no fresh answer, each number its own campaigns', all at
        once, and remember the answers: one transaction to find them, one to write them. A
        failed check is left to the send.

        Returns the numbers still waiting for their answer: not to be claimed for at this tick.
        A number whose check ended since the last tick (answered or failed) is not asked again
        at this one."""
        answered = {i for i in connections if i in self._asking and self._asking[i][0].done()}
        asking = {
            i: connection
            for i, connection in connections.items()
            if connection.checks_presence and i not in self._asking
        }
        if asking:
            now = utc_now()
            # Only a read: on SQLite it runs beside the writer instead of waiting for its lock.
            async with transaction(self.runtime.read_sessionmaker) as session:
                unchecked = await DispatchRepository(session).unchecked_ahead(
                    asking,
                    present_since=present_since(self.settings, now=now),
                    absent_since=absent_since(self.settings, now=now),
                    limit=CHECK_AHEAD,
                )
            for i, pairs in unchecked.items():
                self._asking[i] = (asyncio.create_task(self._ask(i, asking[i], pairs)), now)
        waiting = [self._asking[i][0] for i in connections if i in self._asking]
        if waiting:
            await asyncio.wait(waiting, timeout=CHECK_WAIT_SECONDS)
        answered |= {i for i in connections if i in self._asking and self._asking[i][0].done()}
        # Each answer dated from when it was asked for, however long it waited to be written.
        answers: dict[datetime, dict[tuple[int, str], bool]] = defaultdict(dict)
        for i in answered:
            task, asked_at = self._asking.pop(i)
            answers[asked_at].update(task.result())
        if any(answers.values()):
            async with transaction(self.runtime.sessionmaker) as session:
                repository = DispatchRepository(session)
                for asked_at, answered_then in answers.items():
                    await repository.remember_presence(answered_then, now=asked_at)
        return self.pending(connections)

    def pending(self, sender_ids: Iterable[int]) -> set[int]:
        """Those of these numbers whose check is still under way."""
        return {i for i in sender_ids if i in self._asking and not self._asking[i][0].done()}

    async def forget(self, sender_ids: set[int]) -> None:
        """Stop the checks of numbers this worker lets go of (their connections close)."""
        for sender_id in sender_ids:
            task, _ = self._asking.pop(sender_id, (None, None))
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _ask(
        self, sender_id: int, connection: ProviderSession, unchecked: list[tuple[int, str]]
    ) -> dict[tuple[int, str], bool]:
        # In claim order, so that the recipients claimed next are among those asked about.
        phones = list(dict.fromkeys(phone for _, phone in unchecked))[:CHECK_AHEAD]
        try:
            async with asyncio.timeout(self.settings.send_timeout_seconds):
                answers = await connection.check(phones)
        except Exception:
            logger.warning(
                "presence_check_failed", sender_id=sender_id, phones=len(phones), exc_info=True
            )
            return {}
        return {
            (user_id, phone): answers[phone] for user_id, phone in unchecked if phone in answers
        }
