"""Recipient files on disk last as long as their import: what an operator finds in the data folder.

The housekeeping pass (``payam.background.housekeeping``) runs in every worker; here it is run
once, as at a moment past the grace period (``now``), on real files in the test's data folder.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update

from payam.background import housekeeping
from payam.config import Settings
from payam.db.session import transaction
from payam.kit.clock import utc_now
from payam.models import Campaign, CampaignStatus, ContactImport, ImportStatus
from payam.runtime import Runtime
from tests.imports.helpers import (
    import_file,
    map_columns,
    stored_files,
    upload,
)

LIST = b"phone,name\n09121234567,Sara\n09351234567,Ali\nnot a phone,Nobody\n"


def past_the_grace_period(settings: Settings) -> Any:
    return utc_now() + timedelta(hours=settings.file_grace_hours, minutes=5)


async def test_deleting_a_campaign_removes_its_import_files(
    client: httpx.AsyncClient, headers: dict[str, str], campaign_id: int, settings: Settings
) -> None:
    finished = await import_file(client, headers, campaign_id, LIST)
    assert finished["status"] == "COMPLETED"
    waiting = await upload(client, headers, campaign_id, LIST)
    assert waiting.status_code == 201
    names = {path.name for path in stored_files(settings.data_dir)}
    assert names == {"rejected.csv", "source.csv"}

    response = await client.delete(f"/api/v1/campaigns/{campaign_id}", headers=headers)

    assert response.status_code == 204
    assert stored_files(settings.data_dir) == []
    assert list((settings.data_dir / "imports").iterdir()) == []
    gone = await client.get(f"/api/v1/imports/{finished['id']}", headers=headers)
    assert gone.status_code == 404


async def test_a_refused_campaign_delete_keeps_its_import_files(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    campaign_id: int,
    runtime: Runtime,
    settings: Settings,
) -> None:
    await import_file(client, headers, campaign_id, LIST)
    before = stored_files(settings.data_dir)
    async with transaction(runtime.sessionmaker) as session:
        await session.execute(
            update(Campaign).where(Campaign.id == campaign_id).values(status=CampaignStatus.RUNNING)
        )

    response = await client.delete(f"/api/v1/campaigns/{campaign_id}", headers=headers)

    assert response.status_code == 409
    assert stored_files(settings.data_dir) == before


async def test_a_list_never_mapped_expires_after_the_grace_period(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    campaign_id: int,
    runtime: Runtime,
    settings: Settings,
) -> None:
    uploaded = await upload(client, headers, campaign_id, LIST)
    assert uploaded.status_code == 201
    import_id = uploaded.json()["id"]

    await housekeeping(runtime, jobs=True)  # within the grace period: nothing changes
    view = await client.get(f"/api/v1/imports/{import_id}", headers=headers)
    assert view.json()["status"] == "UPLOADED"
    assert [path.name for path in stored_files(settings.data_dir)] == ["source.csv"]

    await housekeeping(runtime, jobs=True, now=past_the_grace_period(settings))

    assert stored_files(settings.data_dir) == []
    view = await client.get(f"/api/v1/imports/{import_id}", headers=headers)
    assert view.status_code == 200
    assert view.json()["status"] == "FAILED"
    assert view.json()["error"] == (
        "the columns were not chosen within 24 hours; upload the file again"
    )
    mapped = await map_columns(client, headers, import_id, phone="phone", has_header=True)
    assert mapped.status_code == 409
    rejected = await client.get(f"/api/v1/imports/{import_id}/rejected.csv", headers=headers)
    assert rejected.status_code == 200


async def test_files_no_import_owns_go_and_finished_imports_keep_their_rejected_rows(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    campaign_id: int,
    runtime: Runtime,
    settings: Settings,
) -> None:
    finished = await import_file(client, headers, campaign_id, LIST)
    rejected_before = await client.get(
        f"/api/v1/imports/{finished['id']}/rejected.csv", headers=headers
    )
    assert rejected_before.status_code == 200
    assert "not a phone" in rejected_before.text
    # An upload cut off by a crash: its directory, and no row.
    partial = settings.data_dir / "imports" / ("ab" * 16)
    partial.mkdir(parents=True)
    (partial / "upload.part").write_bytes(b"phone\n0912")
    # A failed import keeps rejected.csv for download; its source is not read again.
    failing = await upload(client, headers, campaign_id, LIST)
    failed_id = failing.json()["id"]
    async with transaction(runtime.sessionmaker) as session:
        await session.execute(
            update(ContactImport)
            .where(ContactImport.id == failed_id)
            .values(status=ImportStatus.FAILED, error="the campaign was deleted")
        )

    await housekeeping(runtime, jobs=True)  # within the grace period: all stays
    assert (partial / "upload.part").exists()
    assert len(stored_files(settings.data_dir)) == 3

    await housekeeping(runtime, jobs=True, now=past_the_grace_period(settings))

    assert not partial.exists()
    assert [path.name for path in stored_files(settings.data_dir)] == ["rejected.csv"]
    rejected_after = await client.get(
        f"/api/v1/imports/{finished['id']}/rejected.csv", headers=headers
    )
    assert rejected_after.status_code == 200
    assert rejected_after.content == rejected_before.content
    view = await client.get(f"/api/v1/imports/{finished['id']}", headers=headers)
    assert view.json() == finished
