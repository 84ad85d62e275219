"""System status for admins and the same figures on /metrics."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from dramatiq import Message
from dramatiq.brokers.stub import StubBroker
from redis import Redis
from sqlalchemy import update

from payam.db.session import transaction
from payam.dispatch.engine import Dispatcher
from payam.jobs import configure_jobs
from payam.jobs.depths import queue_depths
from payam.kit.clock import utc_now
from payam.models import Sender, UserRole
from payam.runtime import Runtime
from tests.campaign_support import (  # noqa: F401 - this module's fixtures
    create_campaign,
    grant_messages,
    link_sender,
    settings,
    start,
    user_id,
)
from tests.conftest import TEST_REDIS_URL
from tests.support import bearer, signed_in_admin, signed_in_headers

SYSTEM = "/api/v1/admin/system"


@pytest.fixture
async def dispatcher(runtime: Runtime) -> Any:
    engine = Dispatcher(runtime, worker_id="worker-7")
    yield engine
    await engine.shutdown()


async def test_the_status_shows_workers_numbers_queues_health_and_lag(
    client: httpx.AsyncClient, runtime: Runtime, dispatcher: Dispatcher
) -> None:
    configure_jobs(runtime.settings)
    admin = bearer(await signed_in_admin(client, runtime, role=UserRole.ADMIN))
    sara = await signed_in_headers(client)
    await grant_messages(runtime, await user_id(client, sara), 10)
    held = await link_sender(client, sara)
    idle = await link_sender(client, sara, display_name="Second")
    await dispatcher.run_once()  # takes both numbers; nothing to send yet
    campaign = await create_campaign(
        client, runtime, sara, sender_ids=[idle["id"]], recipients=3, interval=1
    )
    assert (await start(client, sara, campaign["id"])).status_code == 200
    async with transaction(runtime.sessionmaker) as session:
        # The second number's worker went away 40 s ago with a send due since 30 s.
        await session.execute(
            update(Sender)
            .where(Sender.id == idle["id"])
            .values(
                lease_owner="gone",
                lease_expires_at=utc_now() - timedelta(seconds=40),
                next_send_at=utc_now() - timedelta(seconds=30),
            )
        )
    suspend = await client.post(
        f"/api/v1/admin/numbers/{held['id']}/suspend", headers=admin, json={"reason": "checks"}
    )
    assert suspend.status_code == 200

    response = await client.get(SYSTEM, headers=admin)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["database"] == "ok"
    assert body["database_ms"] >= 0
    assert body["redis"] == ("ok" if TEST_REDIS_URL else "not configured")
    assert body["workers"] == [
        {
            "worker_id": "worker-7",
            "numbers": [held["id"]],
            "lease_expires_at": body["workers"][0]["lease_expires_at"],
        }
    ]
    assert {(n["provider"], n["status"], n["suspended"], n["count"]) for n in body["numbers"]} == {
        ("sandbox", "CONNECTED", True, 1),
        ("sandbox", "CONNECTED", False, 1),
    }
    assert body["dispatch"]["late_numbers"] == 1
    assert 30 <= body["dispatch"]["lag_seconds"] < 60
    assert body["dispatch"]["overdue_starts"] == 0
    queues = {queue["queue"]: queue for queue in body["queues"]}
    assert queues["notify"] == {"queue": "notify", "ready": 0, "delayed": 0, "dead": 0}
    assert body["jobs_failing"] == 0

    metrics = (await client.get("/metrics")).text
    assert 'payam_worker_numbers{worker="worker-7"} 1.0' in metrics
    assert "payam_workers_alive 1.0" in metrics
    assert 'payam_numbers{provider="sandbox",status="CONNECTED",suspended="true"} 1.0' in metrics
    assert 'payam_dependency_up{dependency="database"} 1.0' in metrics
    assert 'payam_queue_jobs{queue="notify",state="dead"} 0.0' in metrics
    lag = next(
        line for line in metrics.splitlines() if line.startswith("payam_dispatch_lag_seconds")
    )
    assert 30 <= float(lag.split()[1]) < 60
    assert "payam_dispatch_late_numbers 1.0" in metrics


def _message(queue: str) -> Message[Any]:
    return Message(queue_name=queue, actor_name="noop", args=(), kwargs={}, options={})


async def test_queue_depths_on_the_in_process_broker() -> None:
    broker = StubBroker()
    broker.declare_queue("mail")
    broker.enqueue(_message("mail"))
    broker.enqueue(_message("mail"))
    broker.enqueue(_message("mail"), delay=60_000)
    broker.dead_letters_by_queue["mail"].append(_message("mail"))  # type: ignore[arg-type]

    [depth] = await queue_depths(broker)

    assert (depth.queue, depth.ready, depth.delayed, depth.dead) == ("mail", 2, 1, 1)


@pytest.mark.skipif(not TEST_REDIS_URL, reason="PAYAM_TEST_REDIS_URL is not set")
async def test_queue_depths_on_redis() -> None:
    from dramatiq.brokers.redis import RedisBroker

    assert TEST_REDIS_URL is not None
    namespace = f"payam-test-depths-{id(object())}"
    broker = RedisBroker(url=TEST_REDIS_URL, namespace=namespace)  # type: ignore[no-untyped-call]
    try:
        broker.declare_queue("mail")
        broker.enqueue(_message("mail"))
        broker.enqueue(_message("mail"), delay=60_000)
        with Redis.from_url(TEST_REDIS_URL) as redis:
            redis.zadd(f"{namespace}:mail.XQ", {"dead-one": 1})

        [depth] = await queue_depths(broker)

        assert (depth.queue, depth.ready, depth.delayed, depth.dead) == ("mail", 1, 1, 1)
    finally:
        with Redis.from_url(TEST_REDIS_URL) as redis:
            for key in redis.scan_iter(f"{namespace}:*"):
                redis.delete(key)
        broker.close()


async def test_the_grafana_dashboard_charts_only_metrics_the_app_exposes(
    client: httpx.AsyncClient,
) -> None:
    dashboard = json.loads((Path(__file__).parents[2] / "docs/grafana-dashboard.json").read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    charted = {
        re.sub(r"_(bucket|count|sum)$", "", name)
        for expression in expressions
        for name in re.findall(r"payam_[a-z_]+", expression)
    }

    exposed = (await client.get("/metrics")).text

    assert charted
    assert all(f"# TYPE {name} " in exposed for name in charted), charted
