"""Live fan-out: 1,000 WebSocket clients over 100 users, each event timed from its commit.

Run: ``.venv/bin/python bench/live_bench.py --redis-url redis://127.0.0.1:6379/3
[--database-url URL] [--users 100] [--sockets-per-user 10] [--seconds 20]`` (default database: a
temporary SQLite file; Redis carries the events between processes, as in a scaled deployment).

It makes the users of ``bench/api_bench.py`` (20 campaigns each, a signed-in session), starts
``payam serve`` on loopback without its embedded worker, and opens ``--sockets-per-user``
sockets per user on ``/api/v1/ws`` (signing in with the first message, then taking the
snapshot). The server's resident memory is read before the first socket and once all are open
and idle: the difference per socket is the memory of an idle connection. Then this process plays
the workers: every ``--interval`` seconds it moves one campaign of every user in one transaction
and publishes each campaign's event after the commit, through the same hub and function the
dispatcher uses (``publish_campaign_after_commit``). Each event carries the time it was built,
after the commit; each socket notes when it arrives. The baseline, in the same run and process, is
a bare Redis subscriber to the same channels: the time the pub/sub hop alone takes. The
server's CPU time (from ``/proc``) while the events flow, beyond what it spends idle, is
printed per delivered event.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import websockets
from api_bench import (
    SECRET_KEY,
    SeededUser,
    Served,
    cpu_seconds,
    free_port,
    load_average,
    seed,
    server,
)
from dispatch_bench import prepare
from redis.asyncio import Redis
from sqlalchemy import select

from payam.config import Settings
from payam.db.session import transaction
from payam.live.events import CAMPAIGN_PROGRESS, publish_campaign_after_commit
from payam.models import Campaign
from payam.runtime import Runtime

VENV_BIN = Path(sys.executable).parent
# Sockets opened together, as after a deploy: each signs in and reads its snapshot.
OPENING_AT_ONCE = 50


@dataclass
class Arrivals:
    """Seconds from each event's build (after its commit) to its arrival, and the count."""

    delays: list[float] = field(default_factory=list)

    def note(self, message: dict[str, Any]) -> None:
        built = message.get("at")
        if message.get("type") == CAMPAIGN_PROGRESS and isinstance(built, str):
            self.delays.append(time.time() - datetime.fromisoformat(built).timestamp())


async def open_socket(url: str, token: str, arrivals: Arrivals, opened: asyncio.Event) -> None:
    async with websockets.connect(url, max_queue=None, ping_interval=None) as socket:
        await socket.send(json.dumps({"type": "auth", "token": token}))
        snapshot = json.loads(await socket.recv())
        if snapshot.get("type") != "snapshot":
            raise RuntimeError(f"expected the snapshot, got {snapshot}")
        opened.set()
        async for text in socket:
            arrivals.note(json.loads(text))


async def raw_subscriber(redis_url: str, prefix: str, arrivals: Arrivals) -> None:
    redis = Redis.from_url(redis_url)
    pubsub = redis.pubsub()
    await pubsub.psubscribe(prefix + "*")
    try:
        async for message in pubsub.listen():
            if message["type"] == "pmessage":
                arrivals.note(json.loads(message["data"]))
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]
        await redis.aclose()


def resident_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def publish_moves(
    runtime: Runtime, users: list[SeededUser], *, seconds: float, interval: float
) -> int:
    """One transaction per tick moves one campaign of every user; events after its commit."""
    ticks = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        campaign_ids = [user.campaign_ids[ticks % len(user.campaign_ids)] for user in users]
        async with transaction(runtime.sessionmaker) as session:
            campaigns = (
                await session.scalars(select(Campaign).where(Campaign.id.in_(campaign_ids)))
            ).all()
            for campaign in campaigns:
                campaign.sent_count += 1
                publish_campaign_after_commit(
                    session, runtime.hub, campaign, type=CAMPAIGN_PROGRESS
                )
        ticks += 1
        await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))
    return ticks


def summary(name: str, delays: list[float]) -> str:
    if not delays:
        return f"{name:<22} no events"
    ordered = sorted(delays)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"{name:<22}{len(ordered):>9}{statistics.median(ordered) * 1000:>10.1f}"
        f"{p99 * 1000:>10.1f}{ordered[-1] * 1000:>10.1f}"
    )


async def run(arguments: argparse.Namespace, scratch: Path) -> None:
    database_url = arguments.database_url or f"sqlite+aiosqlite:///{scratch / 'bench.db'}"
    prefix = f"payam:bench-live:{uuid.uuid4().hex}:"
    environment = {
        "PAYAM_DATABASE_URL": database_url,
        "PAYAM_REDIS_URL": arguments.redis_url,
        "PAYAM_LIVE_CHANNEL_PREFIX": prefix,
        "PAYAM_EMBEDDED_WORKER": "false",
        "PAYAM_SECRET_KEY": SECRET_KEY,
        "PAYAM_DATA_DIR": str(scratch / "data"),
        "PAYAM_LOG_FORMAT": "json",
        "PAYAM_LIVE_MAX_CONNECTIONS_PER_USER": str(arguments.sockets_per_user),
    }
    os.environ.update(environment)
    settings = Settings(_env_file=None)
    await prepare(settings)
    runtime = Runtime.create(settings)
    await runtime.start()
    try:
        users = await seed(runtime, users=arguments.users)
        port = free_port()
        command = [str(VENV_BIN / "payam"), "serve", "--port", str(port)]
        with server(command, env=environment, port=port, log=scratch / "payam.log") as served:
            await measure(arguments, runtime, users, served, prefix)
    finally:
        await runtime.close()


async def measure(
    arguments: argparse.Namespace,
    runtime: Runtime,
    users: list[SeededUser],
    served: Served,
    prefix: str,
) -> None:
    idle_before = resident_kib(served.pid)
    socket_url = served.url.replace("http://", "ws://") + "/api/v1/ws"
    sockets, raw = Arrivals(), Arrivals()
    tasks: list[asyncio.Task[None]] = []
    started = time.monotonic()
    tokens = [user.access_token for user in users for _ in range(arguments.sockets_per_user)]
    for first in range(0, len(tokens), OPENING_AT_ONCE):
        batch = [asyncio.Event() for _ in tokens[first : first + OPENING_AT_ONCE]]
        for token, opened in zip(tokens[first:], batch, strict=False):
            tasks.append(asyncio.create_task(open_socket(socket_url, token, sockets, opened)))
        await asyncio.gather(*(opened.wait() for opened in batch))
    connect_seconds = time.monotonic() - started
    raw_task = asyncio.create_task(raw_subscriber(arguments.redis_url, prefix, raw))
    idle_from, idle_started = cpu_seconds(served.pid), time.monotonic()
    await asyncio.sleep(3)  # idle: snapshots sent, nothing moving
    idle_after = resident_kib(served.pid)
    idle_rate = (cpu_seconds(served.pid) - idle_from) / (time.monotonic() - idle_started)
    busy_from, busy_started = cpu_seconds(served.pid), time.monotonic()
    ticks = await publish_moves(
        runtime, users, seconds=arguments.seconds, interval=arguments.interval
    )
    await asyncio.sleep(3)  # the last events' way
    # The server's CPU beyond its idle rate (heartbeats, re-checks), per event it delivered.
    busy = cpu_seconds(served.pid) - busy_from - idle_rate * (time.monotonic() - busy_started)
    failed = [task for task in tasks if task.done() and task.exception() is not None]
    for task in [*tasks, raw_task]:
        task.cancel()
    await asyncio.gather(*tasks, raw_task, return_exceptions=True)

    count = len(tasks)
    expected = ticks * len(users) * arguments.sockets_per_user
    events_per_second = len(users) / arguments.interval
    per_socket = (idle_after - idle_before) / count
    print(f"{count} sockets over {len(users)} users, ", end="")
    print(f"opened {OPENING_AT_ONCE} at a time in {connect_seconds:.1f} s")
    print(f"{ticks} ticks: {events_per_second:.0f} events/s, ", end="")
    print(f"{events_per_second * arguments.sockets_per_user:.0f} deliveries/s")
    print(f"load average {load_average()}")
    print(f"server memory {idle_before / 1024:.1f} MiB, with the idle sockets ", end="")
    print(f"{idle_after / 1024:.1f} MiB: {per_socket:.1f} KiB per idle connection")
    print(f"sockets failed: {len(failed)}; deliveries {len(sockets.delays)} of {expected}")
    delivered = max(1, len(sockets.delays))
    print(f"server CPU per delivered event: {busy * 1e6 / delivered:.0f} µs ", end="")
    print(f"(idle: {idle_rate * 1000:.0f} ms per second)")
    print()
    print(f"{'after the commit':<22}{'events':>9}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    print(summary("Redis alone (baseline)", raw.delays))
    print(summary("through the sockets", sockets.delays))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--sockets-per-user", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between ticks")
    arguments = parser.parse_args()
    asyncio.run(run(arguments, Path(tempfile.mkdtemp(prefix="payam-live-bench-"))))


if __name__ == "__main__":
    main()
