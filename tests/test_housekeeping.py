"""The housekeeping every worker runs: on real files in the test's data folder, several at once,
and on its own, periodically, in the embedded worker and in ``payam worker``."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from structlog.testing import capture_logs

from payam.background import _worker_main, embedded_background, housekeeping
from payam.config import Settings
from payam.db.session import transaction
from payam.imports.schemas import ColumnMapping
from payam.imports.service import resolve_mapping
from payam.imports.tasks import requeue_stalled_imports
from payam.jobs import configure_jobs, embedded_worker
from payam.kit.clock import utc_now
from payam.models import ContactImport, ImportStatus
from payam.runtime import Runtime
from tests.imports.helpers import create_campaign, recipients, upload, wait_for_import
from tests.support import bearer, signed_up, wait_for

LIST = b"phone,name\n09121234567,Sara\n09351234567,Ali\n"


@pytest.fixture
async def sara(client: httpx.AsyncClient) -> dict[str, Any]:
    user, tokens = await signed_up(client)
    return {"user": user, "headers": bearer(tokens)}


@pytest.fixture
async def campaign_id(runtime: Runtime, settings: Settings, sara: dict[str, Any]) -> int:
    configure_jobs(settings)  # mapping an import queues its job
    return await create_campaign(runtime, user_id=sara["user"]["id"])


@pytest.fixture
async def second_worker(settings: Settings) -> AsyncIterator[Runtime]:
    """Another process's view of the same database and data folder: its own connections."""
    runtime = Runtime.create(settings)
    try:
        yield runtime
    finally:
        await runtime.close()


def files_under(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def left_by_a_crash(settings: Settings, *, age_hours: float = 0) -> list[Path]:
    """An import directory and an attachment nothing owns, and a staged upload never finished."""
    paths = [
        settings.data_dir / "imports" / ("cd" * 16) / "upload.part",
        settings.data_dir / "media" / "ee" / ("e" * 32),
        settings.data_dir / "media" / ".incoming" / ("1" * 32 + ".part"),
    ]
    when = time.time() - age_hours * 3600
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"left behind")
        os.utime(path, (when, when))
        os.utime(path.parent, (when, when))
    return paths


async def removed(paths: list[Path]) -> None:
    await wait_for(
        lambda: not any(path.exists() for path in paths),
        progress=lambda: sum(path.exists() for path in paths),
        explain="the orphans are still there",
    )


async def stall(runtime: Runtime, import_id: int, *, minutes: int = 10) -> None:
    """Make an uploaded import look QUEUED and untouched for ``minutes``, its message lost."""
    async with transaction(runtime.sessionmaker) as session:
        row = await session.get(ContactImport, import_id)
        assert row is not None
        mapping = resolve_mapping(
            ColumnMapping(phone="phone", name="name", has_header=True), layout=row.layout
        )
        await session.execute(
            update(ContactImport)
            .where(ContactImport.id == import_id)
            .values(
                status=ImportStatus.QUEUED,
                mapping=mapping,
                updated_at=utc_now() - timedelta(minutes=minutes),
            )
        )


async def test_two_workers_sweeping_at_once_remove_each_orphan_and_requeue_each_import_once(
    client: httpx.AsyncClient,
    sara: dict[str, Any],
    runtime: Runtime,
    second_worker: Runtime,
    settings: Settings,
    campaign_id: int,
) -> None:
    headers = sara["headers"]
    unmapped = (await upload(client, headers, campaign_id, LIST)).json()["id"]
    stalled = (await upload(client, headers, campaign_id, LIST)).json()["id"]
    await stall(runtime, stalled)
    orphans = left_by_a_crash(settings)
    later = utc_now() + timedelta(hours=settings.file_grace_hours, minutes=5)

    with capture_logs() as logs:
        await asyncio.gather(
            housekeeping(runtime, jobs=False, now=later),
            housekeeping(second_worker, jobs=False, now=later),
        )
        queued = await asyncio.gather(
            requeue_stalled_imports(runtime), requeue_stalled_imports(second_worker)
        )

    assert [entry for entry in logs if entry["log_level"] in ("error", "critical")] == []
    assert not any(path.exists() for path in orphans)
    # The stalled import's source stays (it is still to be read); the unmapped one expired.
    assert [path.rsplit("/", 1)[-1] for path in files_under(settings.data_dir)] == ["source.csv"]
    view = await client.get(f"/api/v1/imports/{unmapped}", headers=headers)
    assert view.json()["status"] == "FAILED"
    assert sorted(queued) == [0, 1]

    with embedded_worker(settings):
        done = await wait_for_import(client, headers, stalled)
    assert done["status"] == "COMPLETED"
    assert done["imported"] == 2
    assert len(await recipients(runtime, campaign_id)) == 2


async def test_the_embedded_worker_sweeps_periodically(
    client: httpx.AsyncClient,
    sara: dict[str, Any],
    runtime: Runtime,
    settings: Settings,
    campaign_id: int,
) -> None:
    headers = sara["headers"]
    api = Runtime.create(settings.model_copy(update={"housekeeping_seconds": 0.1}))
    async with embedded_background(api):
        await asyncio.sleep(0.3)  # the start-up jobs and a first pass have run
        # A worker dies after the start: its import and its files are left behind.
        import_id = (await upload(client, headers, campaign_id, LIST)).json()["id"]
        await stall(runtime, import_id)
        orphans = left_by_a_crash(settings, age_hours=settings.file_grace_hours + 1)

        done = await wait_for_import(client, headers, import_id, within_seconds=10)
        await removed(orphans)

    await api.close()
    assert done["status"] == "COMPLETED"
    assert len(await recipients(runtime, campaign_id)) == 2


async def test_payam_worker_sweeps_periodically(settings: Settings, runtime: Runtime) -> None:
    orphans = left_by_a_crash(settings, age_hours=settings.file_grace_hours + 1)
    stop = asyncio.Event()
    worker = asyncio.create_task(
        _worker_main(settings.model_copy(update={"housekeeping_seconds": 0.1}), stop)
    )
    try:
        await removed(orphans)
        assert not worker.done(), worker
    finally:
        stop.set()
        await worker
