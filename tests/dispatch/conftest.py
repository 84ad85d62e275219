"""A user with quota, sandbox numbers, campaigns with recipients, and a dispatcher to run them."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from payam.db.session import transaction
from payam.dispatch.engine import Dispatcher
from payam.kit.clock import utc_now
from payam.models import Recipient, SandboxMessage, Sender
from payam.runtime import Runtime
from tests.campaign_support import (  # noqa: F401 - this folder's fixtures
    create_campaign,
    grant_messages,
    link_sender,
    phone_number,
    settings,
    start,
    user,
    user_id,
)
from tests.support import tail, wait_for


async def started_campaign(
    client: httpx.AsyncClient,
    runtime: Runtime,
    headers: dict[str, str],
    *,
    messages: int,
    recipients: int,
    interval: int = 0,
    **sender_limits: Any,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Quota for ``messages``, one sandbox number, and a started campaign through it."""
    await grant_messages(runtime, await user_id(client, headers), messages)
    sender = await link_sender(client, headers, **sender_limits)
    campaign = await create_campaign(
        client,
        runtime,
        headers,
        sender_ids=[sender["id"]],
        recipients=recipients,
        interval=interval,
    )
    assert (await start(client, headers, campaign["id"])).status_code == 200
    return sender, campaign


@pytest.fixture
async def dispatcher(runtime: Runtime) -> AsyncIterator[Dispatcher]:
    engine = Dispatcher(runtime, worker_id="test-worker")
    yield engine
    await engine.shutdown()


async def hold_every_number(runtime: Runtime, dispatcher: Dispatcher) -> None:
    """Lease every number to the dispatcher at once, all due now: its next tick takes them all
    (a tick otherwise takes as many new numbers as it holds, 1, 2, 4…)."""
    async with transaction(runtime.sessionmaker) as session:
        await session.execute(
            update(Sender).values(
                lease_owner=dispatcher.worker_id,
                lease_expires_at=utc_now() + timedelta(seconds=60),
                next_send_at=None,
            )
        )


async def two_numbers_each_with_a_campaign(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str]
) -> tuple[int, dict[str, Any], dict[str, Any]]:
    """Two numbers, each with a one-recipient campaign started: the first (to be held up by the
    test) and the second (which must send meanwhile). The first's id, then both campaigns."""
    await grant_messages(runtime, await user_id(client, headers), 100)
    slow, quick = [(await link_sender(client, headers))["id"] for _ in range(2)]
    waiting = await create_campaign(client, runtime, headers, sender_ids=[slow], recipients=1)
    going = await create_campaign(
        client, runtime, headers, sender_ids=[quick], recipients=1, phones=[phone_number(7)]
    )
    for campaign in (waiting, going):
        assert (await start(client, headers, campaign["id"])).status_code == 200
    return slow, waiting, going


async def status_counts(runtime: Runtime, campaign_id: int) -> dict[str, int]:
    # The tests' looks read beside the writer (on SQLite, a WAL reader): queued behind the
    # webhooks and workers they watch, a look could wait out the pool's timeout.
    async with transaction(runtime.read_sessionmaker) as session:
        rows = await session.execute(
            select(Recipient.status, func.count())
            .where(Recipient.campaign_id == campaign_id)
            .group_by(Recipient.status)
        )
        return {row[0].value: row[1] for row in rows}


async def wait_until_settled(
    runtime: Runtime,
    campaign_id: int,
    settled: Callable[[], Awaitable[bool]],
    *,
    worker: subprocess.Popen[bytes],
    log: Path,
) -> None:
    """Until ``settled()``, while the campaign's recipients keep moving: two minutes without a
    change, or the worker dying, fails with the end of its log."""
    await wait_for(
        settled,
        within_seconds=120,
        progress=lambda: status_counts(runtime, campaign_id),
        workers=[worker],
        explain=lambda: tail(log),
        every_seconds=0.2,
    )


async def accepted_per_phone(runtime: Runtime) -> dict[str, int]:
    """What the simulated WhatsApp says it accepted, per recipient number."""
    async with transaction(runtime.read_sessionmaker) as session:
        rows = await session.execute(
            select(SandboxMessage.recipient_phone, func.count()).group_by(
                SandboxMessage.recipient_phone
            )
        )
        return {row[0]: row[1] for row in rows}


def counters_match(view: dict[str, Any], counts: dict[str, int]) -> bool:
    shown = {
        key.upper(): value for key, value in view["counts"].items() if key != "total" and value
    }
    return shown == counts and view["counts"]["total"] == sum(counts.values())


class StatementFault:
    """The database refusing the statements ``matches`` picks (``times`` times, or until the
    block ends), as if it went away at that moment."""

    def __init__(self, matches: Callable[[str], bool], *, times: int | None = None) -> None:
        self.matches = matches
        self.left = times
        self.refused = 0

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if self.left != 0 and self.matches(statement):
            self.refused += 1
            if self.left is not None:
                self.left -= 1
            raise ConnectionError("the database went away")


@contextmanager
def database_refuses(engine: AsyncEngine, fault: StatementFault) -> Iterator[StatementFault]:
    event.listen(engine.sync_engine, "before_cursor_execute", fault)
    try:
        yield fault
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", fault)
