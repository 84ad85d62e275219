from __future__ import annotations

from urllib.parse import quote

import httpx
from sqlalchemy import select

from payam.config import Settings
from payam.db.session import transaction
from payam.models import Campaign, User
from payam.runtime import Runtime
from tests.media import samples
from tests.media.helpers import stored_files, uploaded
from tests.support import problem_fields


async def test_metadata_of_an_upload(client: httpx.AsyncClient, sara: dict[str, str]) -> None:
    created = await uploaded(client, sara, samples.pdf(), filename="menu.pdf")

    response = await client.get(f"/api/v1/media/{created['id']}", headers=sara)

    assert response.status_code == 200
    assert response.json() == created
    assert set(created) == {
        "id",
        "kind",
        "mime_type",
        "size_bytes",
        "sha256",
        "filename",
        "created_at",
    }


async def test_the_content_comes_back_as_a_download_with_the_stored_type(
    client: httpx.AsyncClient, sara: dict[str, str]
) -> None:
    content = samples.png()
    # The name claims a web page; the bytes are a PNG, and that is what is served.
    created = await uploaded(client, sara, content, filename="page.html")

    response = await client.get(f"/api/v1/media/{created['id']}/content", headers=sara)

    assert response.status_code == 200
    assert response.content == content
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"] == 'attachment; filename="page.html"'
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]
    assert response.headers["content-length"] == str(len(content))


async def test_a_persian_file_name_is_sent_in_its_utf8_form(
    client: httpx.AsyncClient, sara: dict[str, str]
) -> None:
    name = "فهرست قیمت.txt"
    created = await uploaded(client, sara, "قیمت‌ها\n".encode(), filename=name)

    response = await client.get(f"/api/v1/media/{created['id']}/content", headers=sara)

    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["content-disposition"] == f"attachment; filename*=utf-8''{quote(name)}"


async def test_your_attachments_are_listed_newest_first(
    client: httpx.AsyncClient, sara: dict[str, str], ali: dict[str, str]
) -> None:
    first = await uploaded(client, sara, samples.pdf(), filename="one.pdf")
    second = await uploaded(client, sara, samples.png(), filename="two.png")
    await uploaded(client, ali, samples.jpeg(), filename="alis.jpg")

    response = await client.get("/api/v1/media", headers=sara)

    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 2
    assert [item["id"] for item in body["items"]] == [second["id"], first["id"]]


async def test_someone_elses_attachment_is_not_found(
    client: httpx.AsyncClient, sara: dict[str, str], ali: dict[str, str], settings: Settings
) -> None:
    created = await uploaded(client, sara, samples.pdf())
    url = f"/api/v1/media/{created['id']}"

    for response in (
        await client.get(url, headers=ali),
        await client.get(f"{url}/content", headers=ali),
        await client.delete(url, headers=ali),
    ):
        assert response.status_code == 404, response.text
        assert problem_fields(response) == [None]
    # ... and answers exactly as an id that does not exist.
    missing = await client.get(f"/api/v1/media/{created['id'] + 1000}", headers=ali)
    assert missing.json()["detail"] == (await client.get(url, headers=ali)).json()["detail"]
    # Ali's failed delete changed nothing.
    assert (await client.get(url, headers=sara)).status_code == 200
    assert len(stored_files(settings)) == 1


async def test_delete_removes_the_row_and_the_file(
    client: httpx.AsyncClient, sara: dict[str, str], settings: Settings
) -> None:
    created = await uploaded(client, sara, samples.pdf())
    assert len(stored_files(settings)) == 1

    response = await client.delete(f"/api/v1/media/{created['id']}", headers=sara)

    assert response.status_code == 204
    assert (await client.get(f"/api/v1/media/{created['id']}", headers=sara)).status_code == 404
    assert stored_files(settings) == []


async def test_an_attachment_a_campaign_uses_cannot_be_deleted(
    client: httpx.AsyncClient, sara: dict[str, str], runtime: Runtime, settings: Settings
) -> None:
    created = await uploaded(client, sara, samples.png())
    async with transaction(runtime.sessionmaker) as session:
        owner = await session.scalar(select(User).where(User.username == "sara"))
        assert owner is not None
        campaign = Campaign(user_id=owner.id, message="سلام", media_id=created["id"])
        session.add(campaign)
        await session.flush()
        campaign_id = campaign.id

    response = await client.delete(f"/api/v1/media/{created['id']}", headers=sara)

    assert response.status_code == 409
    assert f"#{campaign_id}" in response.json()["detail"]
    assert (await client.get(f"/api/v1/media/{created['id']}", headers=sara)).status_code == 200
    assert len(stored_files(settings)) == 1

    # Once the campaign lets go of it, it can go.
    async with transaction(runtime.sessionmaker) as session:
        held = await session.get(Campaign, campaign_id)
        assert held is not None
        held.media_id = None
    response = await client.delete(f"/api/v1/media/{created['id']}", headers=sara)
    assert response.status_code == 204
    assert stored_files(settings) == []


async def test_a_file_lost_from_disk_is_reported_not_served(
    client: httpx.AsyncClient, sara: dict[str, str], settings: Settings
) -> None:
    created = await uploaded(client, sara, samples.pdf())
    [kept] = stored_files(settings)
    kept.unlink()

    response = await client.get(f"/api/v1/media/{created['id']}/content", headers=sara)

    assert response.status_code == 404
    assert "missing" in response.json()["detail"]
