"""A real `payam worker` killed with SIGKILL in the middle of a delivery: no event is lost."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from payam.db.session import transaction
from payam.models import DeliveryStatus, WebhookDelivery
from payam.runtime import Runtime
from tests.campaign_support import link_sender
from tests.support import spawn_worker
from tests.webhooks.conftest import register_endpoint
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.drill

NUMBERS = 3


def worker_environment(runtime: Runtime, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PAYAM_DATABASE_URL": runtime.settings.database_url,
        "PAYAM_DATA_DIR": str(data_dir),
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
    async with transaction(runtime.sessionmaker) as session:
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
    environment = worker_environment(runtime, tmp_path)
    log = tmp_path / "worker.log"

    worker = spawn_worker(environment, log)
    try:
        deadline = time.monotonic() + 60
        while receiver.hits == 0:
            assert worker.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            await asyncio.sleep(0.05)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()

    worker = spawn_worker(environment, log)
    try:
        deadline = time.monotonic() + 60
        while len({delivery.message_id for delivery in receiver.received}) < NUMBERS:
            assert worker.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, (receiver.received, log.read_text()[-3000:])
            await asyncio.sleep(0.1)
        while set(await statuses(runtime)) != {DeliveryStatus.DELIVERED}:
            assert time.monotonic() < deadline, await statuses(runtime)
            await asyncio.sleep(0.1)
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    # At least once: a receiver that keeps the webhook-ids it has seen hears each event once.
    once = {delivery.message_id: delivery for delivery in receiver.received}.values()
    senders = [event["data"]["sender_id"] for delivery in once for event in delivery.body["events"]]
    assert len(senders) == len(set(senders)) == NUMBERS
    assert all(delivery.signed for delivery in receiver.received)
