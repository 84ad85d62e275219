"""What every drill shares: the size it runs at, the four promises checked at the end, and the
faults a drill switches on and off from outside the worker (a database behind a switch, a Redis
server of its own, a worker caught at a chosen point).

A drill runs real ``payam worker`` processes against a real database on loopback and checks,
when its campaign has finished, what DESIGN.md §5 promises: nobody got a message twice, nobody
was skipped, the quota charged equals what went out or may have, and no two sends on one number
came closer than its interval. How large each runs: sizes.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import sqlite3
import subprocess
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from payam.db.session import transaction
from payam.dispatch.repository import CHARGED_STATUSES
from payam.models import Recipient, RecipientStatus, SandboxMessage, Sender
from payam.runtime import Runtime
from tests.campaign_support import (
    campaign_view,
    create_campaign,
    grant_messages,
    link_sender,
    start,
    user_id,
)
from tests.dispatch.conftest import counters_match, status_counts
from tests.support import free_port, stop_processes, wait_for, worker_environment

REDIS_SERVER = "/usr/bin/redis-server"  # Debian's


async def freeze_at(
    worker: subprocess.Popen[bytes],
    point: Callable[[], Awaitable[bool]],
    *,
    within_seconds: float = 120,
) -> None:
    """SIGSTOP ``worker`` at the moment ``point()`` says: it is frozen while the database is
    looked at, so what was seen is still true once the look is over, and let go again
    (SIGCONT) when the moment has not come yet."""
    deadline = time.monotonic() + within_seconds
    while True:
        assert worker.poll() is None, "the worker died before the chosen point"
        worker.send_signal(signal.SIGSTOP)
        if await point():
            return
        worker.send_signal(signal.SIGCONT)
        assert time.monotonic() < deadline, "the chosen point never came"
        await asyncio.sleep(0.02)


async def kill_at(
    worker: subprocess.Popen[bytes],
    point: Callable[[], Awaitable[bool]],
    *,
    within_seconds: float = 120,
) -> None:
    """SIGKILL ``worker`` at the moment ``point()`` says (``freeze_at``); killed anyway if the
    moment never comes."""
    try:
        await freeze_at(worker, point, within_seconds=within_seconds)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()


def sqlite_write_lock_free(database_url: str) -> bool:
    """Nobody holds the SQLite database's write lock (always true of a database server, where
    a frozen worker's transaction is ended by the server's idle timeout instead): a worker
    frozen while it holds it would stop every other writer, the test's own included."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database is None:
        return True
    connection = sqlite3.connect(url.database, timeout=0, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
    except sqlite3.OperationalError:
        return False
    finally:
        connection.close()
    return True


@contextlib.asynccontextmanager
async def reader_of(runtime: Runtime) -> AsyncIterator[AsyncEngine]:
    """A plain engine on the drill's database for looking while a worker is frozen: it never
    takes SQLite's write lock (the app's transactions do, from their first statement), which a
    frozen worker may hold."""
    engine = create_async_engine(runtime.settings.database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


async def sandbox_ledger(runtime: Runtime) -> dict[str, list[tuple[str, datetime]]]:
    """What the simulated WhatsApp accepted: per recipient, (sending number, when) each time."""
    accepted: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    async with transaction(runtime.read_sessionmaker) as session:
        rows = await session.execute(
            select(
                SandboxMessage.recipient_phone,
                SandboxMessage.sender_phone,
                SandboxMessage.accepted_at,
            )
        )
        for recipient, sender, accepted_at in rows:
            accepted[recipient].append((sender, accepted_at))
    return accepted


def _its_claims(campaign_id: int, worker: subprocess.Popen[bytes], since: datetime) -> Any:
    """Recipients this worker process holds SENDING: claimed since it started, on a number it
    leases (a worker's id names its process)."""
    return (
        select(func.count())
        .select_from(Recipient)
        .where(
            Recipient.campaign_id == campaign_id,
            Recipient.status == RecipientStatus.SENDING,
            Recipient.claimed_at >= since,
            Recipient.sender_id.in_(
                select(Sender.id).where(Sender.lease_owner.like(f"%:{worker.pid}:%"))
            ),
        )
    )


async def claimed_not_sent(
    reader: AsyncEngine, campaign_id: int, worker: subprocess.Popen[bytes], since: datetime
) -> bool:
    """The worker has claimed a recipient and WhatsApp has not got it yet: mid-turn."""
    query = _its_claims(campaign_id, worker, since).where(
        Recipient.phone.not_in(select(SandboxMessage.recipient_phone))
    )
    async with reader.connect() as connection:
        return bool(await connection.scalar(query))


async def sent_not_recorded(
    reader: AsyncEngine, campaign_id: int, worker: subprocess.Popen[bytes], since: datetime
) -> bool:
    """WhatsApp has taken a send of the worker's that is still SENDING: after the send, before
    the record."""
    query = _its_claims(campaign_id, worker, since).where(
        Recipient.phone.in_(select(SandboxMessage.recipient_phone))
    )
    async with reader.connect() as connection:
        return bool(await connection.scalar(query))


def settling_time(recipients: int, *, numbers: int) -> float:
    """How long a campaign may take to finish once its faults are over: twice its sending time
    and five minutes (a loaded machine; the full drills once crawled at a load average of 38)."""
    return 300 + 2 * recipients / numbers * INTERVAL


async def settled(client: httpx.AsyncClient, user: dict[str, str], campaign_id: int) -> bool:
    """Finished, with nothing set aside any more (every claim settled)."""
    view = await campaign_view(client, user, campaign_id)
    quota = (await client.get("/api/v1/subscriptions/me", headers=user)).json()
    return bool(view["status"] == "COMPLETED" and quota["messages_reserved"] == 0)


async def run_to_the_end(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    campaign_id: int,
    workers: list[subprocess.Popen[bytes]],
    *,
    recipients: int,
    numbers: int,
) -> None:
    """Until the campaign has finished with nothing reserved; then the workers are stopped, so
    that what the check reads no longer moves (receipts go on changing rows until then)."""
    try:
        await wait_for(
            lambda: settled(client, user, campaign_id),
            within_seconds=settling_time(recipients, numbers=numbers),
            workers=tuple(workers),
            explain=lambda: status_counts(runtime, campaign_id),
        )
    finally:
        await stop_processes(workers)


async def assert_promises_kept(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    campaign_id: int,
    *,
    recipients: int,
    accepted: dict[str, list[tuple[str, datetime]]] | None = None,
) -> None:
    """The four promises, once the campaign has finished and its workers stopped; ``accepted``
    is what WhatsApp took, per recipient: (sending number, when); the sandbox's ledger unless
    given (the fake Graph API's record)."""
    if accepted is None:
        accepted = await sandbox_ledger(runtime)
    interval = INTERVAL
    # Never twice.
    twice = {phone: len(sends) for phone, sends in accepted.items() if len(sends) > 1}
    assert not twice, f"sent twice: {twice}"
    # Never skipped: nobody pending or in flight; whoever shows as reached was.
    async with transaction(runtime.read_sessionmaker) as session:
        outcome = dict(
            (
                await session.execute(
                    select(Recipient.phone, Recipient.status).where(
                        Recipient.campaign_id == campaign_id
                    )
                )
            ).all()
        )
    assert len(outcome) == recipients
    statuses = Counter(status.value for status in outcome.values())
    assert statuses["PENDING"] == statuses["SENDING"] == 0, statuses
    reached = {RecipientStatus.SENT, RecipientStatus.DELIVERED, RecipientStatus.READ}
    # (The sandbox names recipients +98…, the Graph API 98….)
    taken = {phone.removeprefix("+") for phone in accepted}
    shown = {phone.removeprefix("+") for phone, status in outcome.items() if status in reached}
    assert shown <= taken, f"shown as reached, never sent: {sorted(shown - taken)[:5]}"
    # Quota equals sends: every charged row once, nothing left set aside.
    charged = sum(1 for status in outcome.values() if status in CHARGED_STATUSES)
    quota = (await client.get("/api/v1/subscriptions/me", headers=user)).json()
    assert quota["messages_reserved"] == 0
    assert quota["messages_used"] == charged
    view = await campaign_view(client, user, campaign_id)
    assert counters_match(view, statuses_of(statuses)), (view["counts"], statuses)
    # The pace: on each number, no two sends closer than the interval.
    per_number: dict[str, list[datetime]] = defaultdict(list)
    for sends in accepted.values():
        for number, moment in sends:
            per_number[number].append(moment)
    for number, moments in per_number.items():
        gaps = [(later - earlier).total_seconds() for earlier, later in pairwise(sorted(moments))]
        assert min(gaps, default=interval) >= interval, (number, min(gaps))


def statuses_of(statuses: Counter[str]) -> dict[str, int]:
    return {status: count for status, count in statuses.items() if count}


# ---- a paced campaign and the workers that send it ------------------------------------------

INTERVAL = 1
NUMBERS = 10
WORKERS = 2


async def paced_campaign(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    *,
    recipients: int,
    senders: list[dict[str, Any]] | None = None,
    **limits: Any,
) -> dict[str, Any]:
    """A started campaign at ``INTERVAL`` over ``senders``: by default ``NUMBERS`` sandbox
    numbers linked with ``limits`` (no daily cap to speak of unless told)."""
    await grant_messages(runtime, await user_id(client, user), recipients * 2)
    if senders is None:
        limits = {"daily_cap": 100_000, **limits}
        senders = [
            await link_sender(client, user, phone=f"0990000{i:04d}", **limits)
            for i in range(NUMBERS)
        ]
    campaign = await create_campaign(
        client,
        runtime,
        user,
        sender_ids=[sender["id"] for sender in senders],
        recipients=recipients,
        interval=INTERVAL,
    )
    assert (await start(client, user, campaign["id"])).status_code == 200
    return campaign


def drill_environment(runtime: Runtime, data_dir: Path, database_url: str) -> dict[str, str]:
    return {
        **worker_environment(runtime, data_dir),
        "PAYAM_DATABASE_URL": database_url,
        "PAYAM_ALLOWED_INTERVALS": "0,1,5",
        "PAYAM_SANDBOX_LATENCY_MS": "20",
    }


# ---- the database behind a switch ------------------------------------------------------------


@dataclass
class LoopbackSwitch:
    """A TCP proxy on loopback in front of a database server: workers connect through it, and
    the drill switches it off (connections refused, the open ones cut) and on again. The
    machine's database itself is never touched."""

    target: tuple[str, int]
    port: int = field(default_factory=free_port)
    _server: asyncio.Server | None = None
    _open: set[asyncio.StreamWriter] = field(default_factory=set)

    async def on(self) -> None:
        self._server = await asyncio.start_server(
            self._pipe, "127.0.0.1", self.port, reuse_address=True
        )

    async def off(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._open):
            writer.transport.abort()
        self._open.clear()

    async def _pipe(self, from_client: asyncio.StreamReader, client: asyncio.StreamWriter) -> None:
        try:
            server_reader, server = await asyncio.open_connection(*self.target)
        except OSError:
            client.transport.abort()
            return
        self._open |= {client, server}

        async def copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.IncompleteReadError):
                while chunk := await reader.read(65536):
                    writer.write(chunk)
                    await writer.drain()
            writer.transport.abort()

        await asyncio.gather(copy(from_client, server), copy(server_reader, client))
        self._open -= {client, server}


@contextlib.asynccontextmanager
async def switched(target: tuple[str, int]) -> AsyncIterator[LoopbackSwitch]:
    switch = LoopbackSwitch(target)
    await switch.on()
    try:
        yield switch
    finally:
        await switch.off()


# ---- a Redis server of the drill's own ---------------------------------------------------------


@dataclass
class OwnRedis:
    """``redis-server`` on a free loopback port, started and stopped by the drill (never the
    machine's Redis, which others use)."""

    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - the machine's redis-server
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@contextlib.contextmanager
def own_redis(workdir: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()
