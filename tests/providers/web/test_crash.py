"""Two real `payam worker` processes on one WhatsApp Web number, the one holding it killed with
SIGKILL again and again: the number moves to the other worker, never with two live connections,
and nobody is sent twice."""

from __future__ import annotations

import itertools
import signal
import subprocess
import time
from collections import Counter
from functools import partial
from pathlib import Path

import httpx
import pytest

from payam.runtime import Runtime
from tests.campaign_support import completed, create_campaign, grant_messages, start, user_id
from tests.drills.sizes import drill_size
from tests.fakes.neonize import LOG_VARIABLE, FakeWhatsAppWeb, noted
from tests.providers.web.conftest import linked_sender
from tests.support import spawn_worker, stop_processes, tail, wait_for, worker_environment

pytestmark = pytest.mark.drill

RECIPIENTS = drill_size(short=15, full=150)
KILLS = drill_size(short=2, full=5)
REPOSITORY = Path(__file__).resolve().parents[3]
STARTUP_SECONDS = 120


def connections(log: Path, killed: dict[int, float]) -> list[tuple[float, float, int]]:
    """Each live connection of the number: (from, until, pid); a killed worker's ends at its
    kill."""
    opened: dict[object, tuple[float, int]] = {}
    spans: list[tuple[float, float, int]] = []
    for entry in noted(log):
        key = (entry["pid"], entry.get("client"))
        at = float(entry["at"])  # type: ignore[arg-type]
        if entry["what"] == "connect":
            opened[key] = (at, int(entry["pid"]))  # type: ignore[call-overload]
        elif entry["what"] == "disconnect" and key in opened:
            start_at, pid = opened.pop(key)
            spans.append((start_at, at, pid))
    for start_at, pid in opened.values():
        spans.append((start_at, killed.get(pid, float("inf")), pid))
    return sorted(spans)


def holder(log: Path, killed: dict[int, float]) -> int | None:
    live = [pid for _, until, pid in connections(log, killed) if until == float("inf")]
    return live[-1] if live else None


async def test_a_killed_workers_number_moves_on_never_connected_twice(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    world: FakeWhatsAppWeb,
    tmp_path: Path,
) -> None:
    await grant_messages(runtime, await user_id(client, user), RECIPIENTS * 2)
    # No warm-up: a new number's first-day cap would end the campaign's day early.
    sender, device = await linked_sender(client, user, world, "989121112233", warmup_days=0)
    await wait_for(lambda: not world.of_device(device), explain="never: the linker let go")
    campaign = await create_campaign(
        client, runtime, user, sender_ids=[sender["id"]], recipients=RECIPIENTS, interval=1
    )
    assert (await start(client, user, campaign["id"])).status_code == 200
    settings = runtime.settings
    fake_log = tmp_path / "whatsapp.jsonl"
    environment = {
        **worker_environment(runtime, tmp_path),
        "PAYAM_ALLOWED_INTERVALS": "0,1,5,10,20",
        "PAYAM_WEB_CLIENT_FACTORY": settings.web_client_factory,
        "PAYAM_WEB_SESSION_STORE": str(settings.web_session_store),
        "PAYAM_CLOUD_INBOX_POLL_SECONDS": "0.05",
        "PYTHONPATH": str(REPOSITORY),
        LOG_VARIABLE: str(fake_log),
    }
    log = tmp_path / "worker.log"
    workers = [spawn_worker(environment, log), spawn_worker(environment, log)]
    killed: dict[int, float] = {}

    def alive() -> list[subprocess.Popen[bytes]]:
        return [worker for worker in workers if worker.poll() is None]

    def sent_count() -> int:
        return sum(1 for entry in noted(fake_log) if entry["what"] == "send")

    def held_after(enough: int) -> bool:
        return holder(fake_log, killed) is not None and sent_count() >= enough

    try:
        for _ in range(KILLS):
            # The number's holder has sent a few since the last kill: kill it mid-campaign.
            await wait_for(
                partial(held_after, sent_count() + 3),
                within_seconds=STARTUP_SECONDS,
                progress=sent_count,
                workers=alive(),
                explain=lambda: tail(log),
            )
            pid = holder(fake_log, killed)
            victim = next(worker for worker in workers if worker.pid == pid)
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            killed[victim.pid] = time.time()
            workers.append(spawn_worker(environment, log))

        await wait_for(
            lambda: completed(client, user, campaign["id"]),
            within_seconds=STARTUP_SECONDS,
            progress=sent_count,
            explain=lambda: tail(log),
            every_seconds=0.2,
        )
    finally:
        await stop_processes(alive(), log=log)

    spans = connections(fake_log, killed)
    assert len({pid for _, _, pid in spans}) >= KILLS + 1  # the number did move on
    for (_, until, pid), (start_at, _, next_pid) in itertools.pairwise(spans):
        assert until <= start_at, f"{pid} and {next_pid} were both connected"
    sends = Counter(str(entry["to"]) for entry in noted(fake_log) if entry["what"] == "send")
    assert sends, "nothing was sent"
    assert set(sends.values()) == {1}  # never twice
