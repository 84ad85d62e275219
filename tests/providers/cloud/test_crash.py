"""The crash test on a Cloud API number: real `payam worker` processes killed with SIGKILL while
they send through the fake Graph API; its status webhooks settle what the kills left unknown."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from payam.db.session import transaction
from payam.models import Recipient, RecipientStatus
from payam.runtime import Runtime
from tests.campaign_support import campaign_view, create_campaign, grant_messages, start, user_id
from tests.dispatch.conftest import counters_match, status_counts, wait_until_settled
from tests.drills.sizes import drill_size
from tests.providers.cloud.conftest import CloudWorld
from tests.support import kill_once_it_sends, spawn_worker, stop_processes, worker_environment

pytestmark = pytest.mark.drill

RECIPIENTS = drill_size(short=300, full=1000)
KILLS = drill_size(short=3, full=6)


async def outcomes(runtime: Runtime, campaign_id: int) -> dict[str, RecipientStatus]:
    async with transaction(runtime.read_sessionmaker) as session:
        rows = await session.execute(
            select(Recipient.phone, Recipient.status).where(Recipient.campaign_id == campaign_id)
        )
        return dict(rows.all())


async def test_sigkilled_workers_send_nothing_twice_and_webhooks_settle_the_rest(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    cloud: CloudWorld,
    tmp_path: Path,
) -> None:
    graph = cloud.graph
    # One webhook a send: on SQLite, whose one writer every webhook waits its turn for, two a
    # send at full speed on a busy CI machine queued them past the fake's 10 s timeout, and its
    # retries grew the queue further. A delivered status settles an unanswered send as well.
    graph.auto_statuses = ("delivered",)
    graph.delay_seconds = 0.005  # sends take a moment, so kills land with some in flight
    await grant_messages(runtime, await user_id(client, user), RECIPIENTS * 2)
    sender = await cloud.link(client, user, daily_cap=100_000)
    campaign = await create_campaign(
        client, runtime, user, sender_ids=[sender["id"]], recipients=RECIPIENTS
    )
    assert (await start(client, user, campaign["id"])).status_code == 200
    secret = runtime.settings.signing_key  # the worker must open the number's sealed secrets
    environment = {
        **worker_environment(runtime, tmp_path),
        "PAYAM_SECRET_KEY": secret,
        "PAYAM_CLOUD_INBOX_POLL_SECONDS": "0.05",
        "PAYAM_CLOUD_TIMEOUT_SECONDS": "2",
    }
    log = tmp_path / "worker.log"
    chance = random.Random()

    async def sent() -> int:
        return len(graph.sent)

    for _ in range(KILLS):
        # A kill waits for sends that must still come: on a fast machine the first workers can
        # send nearly all of it, and a wait for more than is left would wait in vain.
        left = RECIPIENTS - await sent()
        if left < 10:
            break
        await kill_once_it_sends(
            spawn_worker(environment, log),
            sent,
            more_than=chance.randint(5, min(40, left // 2)),
            log=log,
        )

    worker = spawn_worker(environment, log)
    try:

        async def settled() -> bool:
            found = await outcomes(runtime, campaign["id"])
            reached = {item["to"] for item in graph.sent}
            view = await campaign_view(client, user, campaign["id"])
            quota = (await client.get("/api/v1/subscriptions/me", headers=user)).json()
            # A killed worker's claim whose rows webhooks moved on has nothing SENDING left to
            # expire: the reconciler settles its reservation once it is two claim leases old.
            return (
                view["status"] == "COMPLETED"
                and quota["messages_reserved"] == 0
                and all(
                    found[phone] is RecipientStatus.DELIVERED
                    for phone in found
                    if phone.removeprefix("+") in reached
                )
            )

        await wait_until_settled(runtime, campaign["id"], settled, worker=worker, log=log)
    finally:
        await stop_processes([worker], log=log)
        await graph.settle()

    found = await outcomes(runtime, campaign["id"])
    per_phone = Counter(item["to"] for item in graph.sent)
    # Never twice: Meta was asked once per number at most.
    assert set(per_phone.values()) == {1}
    # Never skipped: everyone was sent (and its status webhook settled it), or is UNKNOWN
    # because a kill cut the send before it reached Meta.
    assert len(found) == RECIPIENTS
    for phone, status in found.items():
        if phone.removeprefix("+") in per_phone:
            assert status is RecipientStatus.DELIVERED, phone
        else:
            assert status is RecipientStatus.UNKNOWN, phone
    quota = (await client.get("/api/v1/subscriptions/me", headers=user)).json()
    assert quota["messages_reserved"] == 0
    assert quota["messages_used"] == RECIPIENTS
    counts = await status_counts(runtime, campaign["id"])
    assert counters_match(await campaign_view(client, user, campaign["id"]), counts)
