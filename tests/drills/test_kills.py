"""Workers SIGKILLed at chosen points of a turn: after claiming, before the send reached
WhatsApp (mid-turn); and after WhatsApp took the send, before it was recorded.

(SIGKILLs at random moments are tests/dispatch/test_crash.py's drill; a worker frozen past its
leases is the SIGSTOP drill there.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from payam.runtime import Runtime
from tests.campaign_support import create_campaign, grant_messages, link_sender, start, user_id
from tests.dispatch.test_crash import worker_environment
from tests.drills.support import (
    assert_promises_kept,
    claimed_not_sent,
    drill_size,
    explain_campaign,
    kill_at,
    reader_of,
    sandbox_ledger,
    sent_not_recorded,
    settled,
    stop_all,
    wait_for,
)
from tests.support import spawn_worker

pytestmark = pytest.mark.drill

INTERVAL = 1
NUMBERS = 10
POINTS: dict[str, tuple[Callable[[AsyncEngine, int], Awaitable[bool]], str]] = {
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
    recipients = drill_size(short=50, full=1000)
    kills = drill_size(short=2, full=8)
    chosen, latency_ms = POINTS[point]
    await grant_messages(runtime, await user_id(client, user), recipients * 2)
    numbers = [
        await link_sender(client, user, phone=f"0990000{i:04d}", daily_cap=100_000)
        for i in range(NUMBERS)
    ]
    campaign = await create_campaign(
        client,
        runtime,
        user,
        sender_ids=[number["id"] for number in numbers],
        recipients=recipients,
        interval=INTERVAL,
    )
    assert (await start(client, user, campaign["id"])).status_code == 200
    environment = {
        **worker_environment(runtime, tmp_path),
        "PAYAM_ALLOWED_INTERVALS": "0,1,5",
        "PAYAM_SANDBOX_LATENCY_MS": latency_ms,
    }
    log = tmp_path / "worker.log"

    async with reader_of(runtime) as reader:

        async def at_point() -> bool:
            return await chosen(reader, campaign["id"])

        for _ in range(kills):
            await kill_at(spawn_worker(environment, log), at_point)

    finisher = [spawn_worker(environment, log)]
    try:
        await wait_for(
            lambda: settled(client, user, campaign["id"]),
            within_seconds=120 + recipients / NUMBERS * INTERVAL,
            workers=tuple(finisher),
            explain=lambda: explain_campaign(runtime, campaign["id"]),
        )
    finally:
        stop_all(finisher)

    await assert_promises_kept(
        client,
        runtime,
        user,
        campaign["id"],
        recipients=recipients,
        interval=INTERVAL,
        accepted=await sandbox_ledger(runtime),
    )
