"""Workers SIGKILLed at chosen points of a turn: after claiming, before the send reached
WhatsApp (mid-turn); and after WhatsApp took the send, before it was recorded.

(SIGKILLs at random moments are tests/dispatch/test_crash.py's drill; a worker frozen past its
leases is the SIGSTOP drill there.)
"""

from __future__ import annotations

import subprocess
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from payam.kit.clock import utc_now
from payam.runtime import Runtime
from tests.drills.sizes import drill_size
from tests.drills.support import (
    NUMBERS,
    assert_promises_kept,
    claimed_not_sent,
    drill_environment,
    kill_at,
    paced_campaign,
    reader_of,
    run_to_the_end,
    sent_not_recorded,
)
from tests.support import spawn_worker

pytestmark = pytest.mark.drill

Point = Callable[[AsyncEngine, int, subprocess.Popen[bytes], datetime], Awaitable[bool]]
POINTS: dict[str, tuple[Point, str]] = {
    # A slow WhatsApp (0.3 s) keeps claims waiting for it; a quick one (3 ms) makes recording
    # a large share of each turn.
    "mid_turn": (claimed_not_sent, "300"),
    "after_send_before_record": (sent_not_recorded, "3"),
}


@pytest.mark.parametrize("point", POINTS)
async def test_workers_killed_at_a_chosen_point_keep_every_promise(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    tmp_path: Path,
    point: str,
) -> None:
    recipients = drill_size(short=50, full=400)
    kills = drill_size(short=2, full=6)
    chosen, latency_ms = POINTS[point]
    campaign = await paced_campaign(client, runtime, user, recipients=recipients)
    environment = {
        **drill_environment(runtime, tmp_path, runtime.settings.database_url),
        "PAYAM_SANDBOX_LATENCY_MS": latency_ms,
    }
    log = tmp_path / "worker.log"

    async with reader_of(runtime) as reader:
        for _ in range(kills):
            since = utc_now()
            worker = spawn_worker(environment, log)
            await kill_at(worker, partial(chosen, reader, campaign["id"], worker, since))

    finisher = [spawn_worker(environment, log)]
    await run_to_the_end(
        client, runtime, user, campaign["id"], finisher, recipients=recipients, numbers=NUMBERS
    )
    await assert_promises_kept(client, runtime, user, campaign["id"], recipients=recipients)
