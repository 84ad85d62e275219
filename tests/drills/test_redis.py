"""Redis stopped and started under a running worker that publishes live progress through it and
takes its jobs from it: sending goes on (the database is the truth), the worker lives, and once
Redis is back its progress reaches the screens again. The drill runs a redis-server of its own."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from payam.live.events import CAMPAIGN_PROGRESS
from payam.pubsub.hub import RedisHub
from payam.runtime import Runtime
from tests.campaign_support import user_id
from tests.drills.sizes import drill_size
from tests.drills.support import (
    NUMBERS,
    assert_promises_kept,
    drill_environment,
    own_redis,
    paced_campaign,
    run_to_the_end,
)
from tests.support import accepted_count, spawn_worker, stop_processes, wait_for

pytestmark = pytest.mark.drill


async def test_redis_stopped_and_started_under_a_worker_breaks_no_promise(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], tmp_path: Path
) -> None:
    recipients = drill_size(short=100, full=300)
    size = {"recipients": recipients, "numbers": NUMBERS}
    outages = drill_size(short=1, full=3)
    campaign = await paced_campaign(client, runtime, user, recipients=recipients)
    owner = await user_id(client, user)
    with own_redis(tmp_path) as redis:
        environment = {
            **drill_environment(runtime, tmp_path, runtime.settings.database_url),
            "PAYAM_REDIS_URL": redis.url,
            "PAYAM_BROKER_URL": redis.url,
        }
        workers = [spawn_worker(environment, tmp_path / "worker.log")]
        try:
            for outage in range(outages):
                sent = await accepted_count(runtime)

                async def progressed(sent: int = sent) -> bool:
                    return await accepted_count(runtime) > sent + 5

                await wait_for(progressed, within_seconds=120, workers=tuple(workers))
                redis.stop()
                sent = await accepted_count(runtime)
                await asyncio.sleep(3 + outage)
                # Sending went on without Redis.
                assert await accepted_count(runtime) > sent
                redis.start()

            # Progress reaches a screen again through the restarted Redis.
            hub = RedisHub(Redis.from_url(redis.url))
            await hub.start()
            try:
                async with hub.subscribe(owner) as events:
                    async with asyncio.timeout(60):
                        async for event in events:
                            if event.get("type") == CAMPAIGN_PROGRESS:
                                break
            finally:
                await hub.close()

            await run_to_the_end(client, runtime, user, campaign["id"], workers, **size)
        finally:
            await stop_processes(workers)
    await assert_promises_kept(client, runtime, user, campaign["id"], recipients=recipients)
