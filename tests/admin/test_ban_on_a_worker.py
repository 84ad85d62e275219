"""A ban stops a running campaign within one send on a real `payam worker` process."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from payam.models import Campaign, UserRole
from payam.runtime import Runtime
from tests.campaign_support import (  # noqa: F401 - this module's fixtures
    create_campaign,
    grant_messages,
    link_sender,
    settings,
    start,
    user_id,
)
from tests.support import (
    accepted_count,
    bearer,
    signed_in_admin,
    signed_in_headers,
    spawn_worker,
    stop_processes,
    tail,
    wait_for,
    worker_environment,
)


async def test_a_banned_users_campaign_stops_within_one_send_on_a_worker(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    admin = await signed_in_admin(client, runtime, role=UserRole.ADMIN)
    user = await signed_in_headers(client)
    owner = await user_id(client, user)
    await grant_messages(runtime, owner, 50)
    sender = await link_sender(client, user)
    campaign = await create_campaign(
        client, runtime, user, sender_ids=[sender["id"]], recipients=50, interval=1
    )
    assert (await start(client, user, campaign["id"])).status_code == 200
    environment = {**worker_environment(runtime, tmp_path), "PAYAM_ALLOWED_INTERVALS": "0,1,5"}
    log = tmp_path / "worker.log"
    worker = spawn_worker(environment, log)
    try:

        async def sending() -> bool:
            return await accepted_count(runtime) >= 2

        await wait_for(sending, within_seconds=120, workers=[worker], explain=lambda: tail(log))

        banned = await client.put(
            f"/api/v1/admin/users/{owner}/status",
            headers=bearer(admin),
            json={"status": "BANNED", "reason": "spam"},
        )
        at_ban = await accepted_count(runtime)
        # Four intervals of the number's pace: four more sends had the ban not stopped it.
        await asyncio.sleep(4)
        after = await accepted_count(runtime)
        assert worker.poll() is None, log.read_text()[-3000:]
    finally:
        await stop_processes([worker], log=log)

    assert banned.status_code == 200
    # A message already on its way when the ban committed may finish; no other starts.
    assert after <= at_ban + 1
    async with runtime.sessionmaker() as session:
        row = await session.get(Campaign, campaign["id"])
    assert row is not None
    assert row.status == "PAUSED"
    assert row.status_reason == "Paused: this account was banned: spam"
