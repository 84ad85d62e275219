"""What the engine gets when a campaign carries an attachment."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from payam.config import Settings
from payam.media.errors import MediaUnavailable
from payam.media.service import load_media_payload
from payam.models import MediaKind, User
from payam.providers.base import MediaPayload
from payam.runtime import Runtime
from tests.media import samples
from tests.media.helpers import stored_files, uploaded


async def load(runtime: Runtime, media_id: int, *, owner: str | None = None) -> MediaPayload:
    async with runtime.sessionmaker() as session:
        owner_id = None
        if owner is not None:
            owner_id = await session.scalar(select(User.id).where(User.username == owner))
        return await load_media_payload(
            session, media_id, settings=runtime.settings, owner_id=owner_id
        )


async def test_the_payload_carries_the_bytes_and_what_they_are(
    client: httpx.AsyncClient, sara: dict[str, str], runtime: Runtime
) -> None:
    content = samples.ogg_opus()
    created = await uploaded(client, sara, content, filename="voice.ogg")

    payload = await load(runtime, created["id"], owner="sara")

    assert payload == MediaPayload(
        kind=MediaKind.AUDIO,
        mime_type="audio/ogg",
        filename="voice.ogg",
        content=content,
        sha256=created["sha256"],
    )


async def test_a_deleted_attachment_is_unavailable(
    client: httpx.AsyncClient, sara: dict[str, str], runtime: Runtime
) -> None:
    created = await uploaded(client, sara, samples.pdf())
    assert (await client.delete(f"/api/v1/media/{created['id']}", headers=sara)).status_code == 204

    with pytest.raises(MediaUnavailable, match="deleted"):
        await load(runtime, created["id"])


async def test_someone_elses_attachment_is_unavailable(
    client: httpx.AsyncClient, sara: dict[str, str], ali: dict[str, str], runtime: Runtime
) -> None:
    created = await uploaded(client, sara, samples.pdf())

    with pytest.raises(MediaUnavailable):
        await load(runtime, created["id"], owner="ali")


async def test_bytes_changed_on_disk_are_never_sent(
    client: httpx.AsyncClient, sara: dict[str, str], runtime: Runtime, settings: Settings
) -> None:
    created = await uploaded(client, sara, samples.png())
    [kept] = stored_files(settings)
    kept.write_bytes(samples.windows_program())

    with pytest.raises(MediaUnavailable, match="damaged"):
        await load(runtime, created["id"])


async def test_a_file_lost_from_disk_is_unavailable(
    client: httpx.AsyncClient, sara: dict[str, str], runtime: Runtime, settings: Settings
) -> None:
    created = await uploaded(client, sara, samples.png())
    [kept] = stored_files(settings)
    kept.unlink()

    with pytest.raises(MediaUnavailable, match="missing"):
        await load(runtime, created["id"])
