"""WhatsApp (the Cloud API: the fake Graph API on loopback) throttling, answering 5xx and timing
out under a real `payam worker`: throttled and temporary refusals are tried again later, a send
that timed out or failed uncertainly is never sent again, and the pace holds as Meta saw it."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from payam.runtime import Runtime
from tests.drills.sizes import drill_size
from tests.drills.support import (
    assert_promises_kept,
    drill_environment,
    paced_campaign,
    run_to_the_end,
)
from tests.providers.cloud.conftest import CloudWorld, cloud  # noqa: F401 - its fixture
from tests.support import spawn_worker, stop_processes, wait_for

pytestmark = pytest.mark.drill

NUMBERS = 3
CLOUD_TIMEOUT_SECONDS = 2


async def test_whatsapp_throttling_failing_and_timing_out_breaks_no_promise(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    cloud: CloudWorld,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    graph = cloud.graph
    graph.auto_statuses = ("sent", "delivered")
    recipients = drill_size(short=30, full=150)
    numbers = [cloud.number] + [
        graph.add_number(
            phone_number_id=f"10654035224293{i}", display_phone_number=f"+98 912 000 001{i}"
        )
        for i in range(NUMBERS - 1)
    ]
    senders = [await cloud.link(client, user, number, daily_cap=100_000) for number in numbers]
    campaign = await paced_campaign(client, runtime, user, recipients=recipients, senders=senders)
    environment = {
        **drill_environment(runtime, tmp_path, runtime.settings.database_url),
        "PAYAM_SECRET_KEY": runtime.settings.signing_key,  # to open the numbers' secrets
        "PAYAM_CLOUD_INBOX_POLL_SECONDS": "0.05",
        "PAYAM_CLOUD_TIMEOUT_SECONDS": str(CLOUD_TIMEOUT_SECONDS),
    }
    workers = [spawn_worker(environment, tmp_path / "worker.log")]
    try:
        for _ in range(drill_size(short=1, full=3)):
            before = len(graph.sent)

            async def progressed(before: int = before) -> bool:
                return len(graph.sent) > before + 2

            await wait_for(progressed, within_seconds=120, workers=tuple(workers))
            graph.fail_next(130429, times=3)  # throttled: more than the tier allows
            graph.fail_next(2, http_status=503, times=3)  # a temporary failure
            graph.fail_next(131999, http_status=502, times=1)  # a 5xx that may have gone out
            # Answers slower than the worker waits for, for a few seconds.
            graph.delay_seconds = CLOUD_TIMEOUT_SECONDS + 0.5
            await asyncio.sleep(2 * CLOUD_TIMEOUT_SECONDS)
            graph.delay_seconds = 0.0
        await run_to_the_end(
            client, runtime, user, campaign["id"], workers, recipients=recipients, numbers=NUMBERS
        )
    finally:
        await stop_processes(workers)
        await graph.settle()

    accepted: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    for message in graph.sent:
        accepted[message["to"]].append((message["phone_number_id"], message["accepted_at"]))
    await assert_promises_kept(
        client,
        runtime,
        user,
        campaign["id"],
        recipients=recipients,
        accepted=accepted,
    )
