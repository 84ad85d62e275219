"""A real Redis broker and a real `payam worker` process, as production runs them."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from redis import Redis

from payam.config import Settings
from payam.jobs import configure_jobs
from payam.runtime import Runtime
from tests.conftest import TEST_REDIS_URL, TEST_SECRET_KEY
from tests.imports.helpers import (
    campaign_total,
    create_campaign,
    map_columns,
    recipients,
    upload,
    wait_for_import,
)
from tests.support import bearer, signed_up, spawn_worker

pytestmark = pytest.mark.skipif(not TEST_REDIS_URL, reason="PAYAM_TEST_REDIS_URL is not set")


def broker_url() -> str:
    """A Redis database of the broker's own, eight away from this run's (a worker's) own."""
    assert TEST_REDIS_URL is not None
    base, _, database = TEST_REDIS_URL.rpartition("/")
    return f"{base}/{(int(database) - 8) % 16}"


@pytest.fixture
def settings(settings: Settings) -> Iterator[Settings]:
    """The API only queues: jobs go to Redis, and no worker runs in this process."""
    scaled = settings.model_copy(update={"broker_url": broker_url(), "embedded_worker": False})
    configure_jobs(scaled)
    yield scaled
    configure_jobs(settings)


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return tmp_path / "worker.log"


@pytest.fixture
def worker_process(settings: Settings, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "PAYAM_ENVIRONMENT": "test",
        "PAYAM_DATABASE_URL": settings.database_url,
        "PAYAM_DATA_DIR": str(settings.data_dir),
        "PAYAM_BROKER_URL": broker_url(),
        "PAYAM_SECRET_KEY": TEST_SECRET_KEY,
        "PAYAM_REDIS_URL": settings.redis_url or "",
    }
    process = spawn_worker(env, log)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def queued_messages(queue: str) -> int:
    with Redis.from_url(broker_url()) as redis:
        return int(redis.llen(f"dramatiq:{queue}"))


async def test_a_job_queued_after_the_commit_is_run_by_a_worker_process(
    client: httpx.AsyncClient,
    runtime: Runtime,
    worker_process: subprocess.Popen[bytes],
    log: Path,
) -> None:
    user, tokens = await signed_up(client)
    headers = bearer(tokens)
    campaign_id = await create_campaign(runtime, user_id=user["id"])
    uploaded = await upload(client, headers, campaign_id, b"phone,name\n09121234567,Ali\n")
    preview: dict[str, Any] = uploaded.json()

    mapped = await map_columns(client, headers, preview["id"], **preview["mapping"])

    assert mapped.status_code == 202, mapped.text
    done = await wait_for_import(client, headers, preview["id"], within_seconds=60)
    assert done["status"] == "COMPLETED", done
    assert await recipients(runtime, campaign_id) == {"+989121234567": ("Ali", {})}
    assert await campaign_total(runtime, campaign_id) == (1, 1)

    worker_process.send_signal(signal.SIGTERM)
    assert worker_process.wait(timeout=30) == 0, await anyio.Path(log).read_text()
    assert queued_messages("imports") == 0
