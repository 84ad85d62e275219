"""The dispatcher's changes reach live subscribers, coalesced, after their commit."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from payam.dispatch.engine import Dispatcher
from payam.live.publisher import ProgressPublisher
from payam.pubsub.hub import InProcessHub
from payam.runtime import Runtime
from tests.campaign_support import (
    create_campaign,
    grant_messages,
    link_sender,
    run_until,
    start,
    user_id,
)


async def test_a_running_campaign_streams_its_counters_to_its_owner(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> None:
    owner = await user_id(client, user)
    await grant_messages(runtime, owner, 100)
    sender = await link_sender(client, user)
    campaign = await create_campaign(
        client, runtime, user, sender_ids=[sender["id"]], recipients=30
    )
    hub = InProcessHub()
    await hub.start()
    publisher = ProgressPublisher(runtime, hub, every_seconds=0.05)
    dispatcher = Dispatcher(runtime, worker_id="live", on_campaigns_changed=publisher)
    seen: list[dict[str, Any]] = []
    stranger_saw: list[dict[str, Any]] = []

    async def listen(user_id: int, into: list[dict[str, Any]]) -> None:
        async with hub.subscribe(user_id) as events:
            async for event in events:
                into.append(event)

    listeners = [
        asyncio.create_task(listen(owner, seen)),
        asyncio.create_task(listen(owner + 1000, stranger_saw)),
    ]
    await asyncio.sleep(0.05)
    try:
        await start(client, user, campaign["id"])

        def completed() -> bool:
            return any(event.get("status") == "COMPLETED" for event in seen)

        await run_until(dispatcher, completed)
    finally:
        await dispatcher.shutdown()
        await publisher.close()
        for listener in listeners:
            listener.cancel()
        await hub.close()

    progress = [event for event in seen if event["type"] == "campaign.progress"]
    assert progress
    assert all(event["campaign_id"] == campaign["id"] for event in progress)
    reached = [
        event["counts"]["sent"] + event["counts"]["delivered"] + event["counts"]["read"]
        for event in progress
    ]
    assert reached == sorted(reached)
    assert reached[-1] == 30
    assert progress[-1]["counts"]["pending"] == 0
    assert stranger_saw == []
