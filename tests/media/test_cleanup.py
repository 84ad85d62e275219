"""Attachment files on disk last as long as their row: what an operator finds in the data folder."""

from __future__ import annotations

from datetime import timedelta

import httpx

from payam.background import housekeeping
from payam.config import Settings
from payam.kit.clock import utc_now
from payam.runtime import Runtime
from tests.media import samples
from tests.media.helpers import stored_files, uploaded


async def test_partial_uploads_and_files_no_attachment_owns_go_after_the_grace_period(
    client: httpx.AsyncClient, sara: dict[str, str], runtime: Runtime, settings: Settings
) -> None:
    content = samples.pdf()
    kept = await uploaded(client, sara, content, filename="menu.pdf")
    media = settings.data_dir / "media"
    # An upload whose request died half way, and a file whose row never committed (a crash
    # between the two).
    partial = media / ".incoming" / ("0" * 32 + ".part")
    partial.write_bytes(content[:100])
    orphan = media / "ff" / ("f" * 32)
    orphan.parent.mkdir(exist_ok=True)
    orphan.write_bytes(content)
    assert len(stored_files(settings)) == 3

    await housekeeping(runtime, jobs=False)  # within the grace period: nothing goes
    assert len(stored_files(settings)) == 3

    later = utc_now() + timedelta(hours=settings.file_grace_hours, minutes=5)
    await housekeeping(runtime, jobs=False, now=later)

    assert not partial.exists()
    assert not orphan.exists()
    assert len(stored_files(settings)) == 1
    listed = await client.get("/api/v1/media", headers=sara)
    assert [item["id"] for item in listed.json()["items"]] == [kept["id"]]
    download = await client.get(f"/api/v1/media/{kept['id']}/content", headers=sara)
    assert download.status_code == 200
    assert download.content == content
