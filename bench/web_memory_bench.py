"""Memory of WhatsApp Web sessions, each figure beside the process without them, in one run.

Run: ``.venv/bin/python bench/web_memory_bench.py [--sessions 100]``. Every mode is its own fresh
Python process (``--mode``), so one mode's garbage cannot count in another's figure; the RSS is
read from ``/proc/self/status`` after a full collection.

- **baseline**: the worker's own modules imported (Payam's WhatsApp Web provider, the engine,
  SQLAlchemy, the database driver), no neonize;
- **neonize**: the baseline plus ``import neonize.aioze.client`` (the Go library inside it): a
  cost each worker process pays once, whatever its number count;
- **real N**: the baseline plus N real ``NewAClient`` objects, each connected on its own SQLite
  store. WhatsApp's servers are not reachable here, so each connect opens its store, builds
  whatsmeow's client and fails to dial: real, but the Go library's cost of a store and a client,
  not of a live socket;
- **fake N**: the baseline plus N idle linked ``WebSession``s as the worker holds them (the
  session, its inbox reader polling the database, its reconnect state) over the fake neonize
  client: what Payam itself keeps per number, without whatsmeow's socket and keys.

A live linked session is the sum of the real and fake figures plus whatsmeow's socket buffers and
decrypted keys, which only a real number can measure (docs/performance.md says what is known).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import subprocess
import sys
import tempfile
from pathlib import Path

MODES = ("baseline", "neonize", "real", "fake")
REPOSITORY = str(Path(__file__).resolve().parents[1])


def rss_mb() -> float:
    gc.collect()
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def baseline_imports() -> None:
    import payam.dispatch.engine
    import payam.providers.web.provider  # noqa: F401


async def real_clients(count: int, folder: Path) -> list[object]:
    from neonize.aioze.client import NewAClient

    clients = []
    for number in range(count):
        client = NewAClient(str(folder / f"sender-{number}.sqlite3"), uuid=f"bench-{number}")
        task = await client.connect()
        # Offline: it opens the store, builds the client and fails to dial WhatsApp.
        await asyncio.wait({task}, timeout=30)
        if task.done():
            task.exception()  # the failed dial, expected here
        clients.append(client)
    return clients


async def fake_sessions(count: int, folder: Path) -> list[object]:
    from payam.config import Settings
    from payam.db.base import Base
    from payam.db.engine import engine_for
    from payam.db.session import create_sessionmaker
    from payam.providers.base import SenderIdentity
    from payam.providers.web.provider import WebProvider
    from payam.pubsub.hub import InProcessHub

    sys.path.insert(0, REPOSITORY)  # the tests' fake client
    from tests.fakes.neonize import write_device

    url = f"sqlite+aiosqlite:///{folder / 'payam.db'}"
    settings = Settings(
        database_url=url,
        data_dir=folder,
        web_client_factory="tests.fakes.neonize:FakeClient",
        web_session_store=str(folder / "whatsapp"),
    )
    engine = engine_for(settings)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    provider = WebProvider(
        sessionmaker=create_sessionmaker(engine), settings=settings, hub=InProcessHub()
    )
    (folder / "whatsapp").mkdir(exist_ok=True)
    sessions: list[object] = []
    for number in range(count):
        device = f"98912{number:07d}:1@s.whatsapp.net"
        write_device(str(folder / "whatsapp" / f"sender-{number}.sqlite3"), device)
        session = await provider.open(
            SenderIdentity(sender_id=number, phone=None, provider_config={"device_jid": device})
        )
        consumer = asyncio.create_task(_drain(session))
        sessions.append((session, consumer))
    await asyncio.sleep(3)  # every inbox reader has polled, as idle ones do
    return sessions


async def _drain(session: object) -> None:
    async for _ in session.events():  # type: ignore[attr-defined]
        pass


def run_mode(mode: str, count: int) -> float:
    baseline_imports()
    if mode == "neonize":
        import neonize.aioze.client  # noqa: F401
    with tempfile.TemporaryDirectory() as folder:
        if mode == "real":
            return asyncio.run(_measured(real_clients(count, Path(folder))))
        if mode == "fake":
            return asyncio.run(_measured(fake_sessions(count, Path(folder))))
    return rss_mb()


async def _measured(work: object) -> float:
    held = await work  # type: ignore[misc]
    figure = rss_mb()
    del held
    return figure


def measure(mode: str, count: int) -> float:
    out = subprocess.run(  # noqa: S603 - this very script
        [sys.executable, __file__, "--mode", mode, "--count", str(count)],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(json.loads(out.stdout.strip().splitlines()[-1])["rss_mb"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--mode", choices=MODES)
    parser.add_argument("--count", type=int, default=0)
    args = parser.parse_args()
    if args.mode:
        print(json.dumps({"rss_mb": run_mode(args.mode, args.count)}))
        return
    base = measure("baseline", 0)
    with_neonize = measure("neonize", 0)
    print(f"baseline (worker modules, no neonize): {base:8.1f} MB")
    print(
        f"+ import neonize:                      {with_neonize:8.1f} MB  "
        f"(+{with_neonize - base:.1f} once)"
    )
    for count in (1, args.sessions):
        real = measure("real", count)
        fake = measure("fake", count)
        print(
            f"real NewAClient x{count:<4} on SQLite:      {real:8.1f} MB  "
            f"(+{(real - with_neonize) / count:.2f} MB each beyond the import)"
        )
        print(
            f"fake-client WebSession x{count:<4}:         {fake:8.1f} MB  "
            f"(+{(fake - base) / count:.2f} MB each)"
        )


if __name__ == "__main__":
    main()
