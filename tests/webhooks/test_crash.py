"""A real `payam worker` killed with SIGKILL in the middle of a delivery: no event is lost."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from payam.db.session import transaction
from payam.models import DeliveryStatus, WebhookDelivery
from payam.runtime import Runtime
from tests.campaign_support import link_sender
from tests.support import spawn_worker, stop_processes, tail, wait_for, worker_environment
from tests.webhooks.conftest import register_endpoint
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.drill

NUMBERS = 3


def webhook_worker_environment(runtime: Runtime, data_dir: Path) -> dict[str, str]:
    return {
        **worker_environment(runtime, data_dir),
        # The worker must open the endpoints' sealed secrets: the key they were sealed with.
        "PAYAM_SECRET_KEY": runtime.settings.signing_key,
        "PAYAM_WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true",
        "PAYAM_WEBHOOK_POLL_SECONDS": "0.1",
        "PAYAM_WEBHOOK_RETRY_FIRST_SECONDS": "0.2",
        # The lease a delivery is held for is twice this and 5 s: a killed worker's runs out soon.
        "PAYAM_WEBHOOK_TIMEOUT_SECONDS": "1",
        "PAYAM_DISPATCH_POLL_SECONDS": "0.5",
    }


async def statuses(runtime: Runtime) -> list[DeliveryStatus]:
    async with transaction(runtime.read_sessionmaker) as session:
        return list((await session.scalars(select(WebhookDelivery.status))).all())


async def test_a_worker_killed_mid_delivery_loses_no_event(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    receiver: Receiver,
    tmp_path: Path,
) -> None:
    await register_endpoint(client, user, receiver, ["sender.connected"])
    for _ in range(NUMBERS):
        await link_sender(client, user)
    # The first request the receiver gets never ends: the worker is killed while it waits.
    receiver.plan = [("hang", 3.0)]
    environment = webhook_worker_environment(runtime, tmp_path)
    log = tmp_path / "worker.log"

    worker = spawn_worker(environment, log)
    try:
        await wait_for(
            lambda: receiver.hits, within_seconds=120, workers=[worker], explain=lambda: tail(log)
        )
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()

    def heard() -> int:
        return len({delivery.message_id for delivery in receiver.received})

    async def all_delivered() -> bool:
        return set(await statuses(runtime)) == {DeliveryStatus.DELIVERED}

    worker = spawn_worker(environment, log)
    try:
        await wait_for(
            lambda: heard() >= NUMBERS,
            within_seconds=120,
            progress=heard,
            workers=[worker],
            explain=lambda: (receiver.received, tail(log)),
        )
        await wait_for(all_delivered, workers=[worker], explain=lambda: statuses(runtime))
    finally:
        await stop_processes([worker], log=log)

    # At least once: a receiver that keeps the webhook-ids it has seen hears each event once.
    once = {delivery.message_id: delivery for delivery in receiver.received}.values()
    senders = [event["data"]["sender_id"] for delivery in once for event in delivery.body["events"]]
    assert len(senders) == len(set(senders)) == NUMBERS
    assert all(delivery.signed for delivery in receiver.received)
