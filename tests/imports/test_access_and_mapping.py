from __future__ import annotations

from typing import Any

import httpx
import pytest

from payam.db.session import transaction
from payam.models import Campaign, CampaignStatus
from payam.runtime import Runtime
from tests.imports.helpers import (
    create_campaign,
    import_rows,
    map_columns,
    upload,
    wait_for_import,
)
from tests.support import problem_fields

CSV = b"mobile,name,city\n09121234567,Ali,Tehran\n"


@pytest.fixture
async def uploaded(
    client: httpx.AsyncClient, headers: dict[str, str], campaign_id: int
) -> dict[str, Any]:
    response = await upload(client, headers, campaign_id, CSV)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_another_users_campaign_and_import_are_not_found(
    client: httpx.AsyncClient,
    stranger: dict[str, str],
    campaign_id: int,
    uploaded: dict[str, Any],
) -> None:
    import_id = uploaded["id"]
    answers = [
        await upload(client, stranger, campaign_id, CSV),
        await client.get(f"/api/v1/campaigns/{campaign_id}/imports", headers=stranger),
        await client.get(f"/api/v1/imports/{import_id}", headers=stranger),
        await map_columns(client, stranger, import_id, phone="mobile", has_header=True),
        await client.get(f"/api/v1/imports/{import_id}/rejected.csv", headers=stranger),
        await upload(client, stranger, 999_999, CSV),
    ]

    assert [answer.status_code for answer in answers] == [404] * 6
    assert all(problem_fields(answer) == [None] for answer in answers)


async def test_signing_in_is_required(client: httpx.AsyncClient, campaign_id: int) -> None:
    response = await upload(client, {}, campaign_id, CSV)

    assert response.status_code == 401


@pytest.mark.parametrize(
    "status", [CampaignStatus.RUNNING, CampaignStatus.COMPLETED, CampaignStatus.CANCELLED]
)
async def test_a_campaign_that_is_not_draft_ready_or_paused_takes_no_upload(
    client: httpx.AsyncClient,
    runtime: Runtime,
    sara: dict[str, Any],
    headers: dict[str, str],
    status: CampaignStatus,
) -> None:
    campaign_id = await create_campaign(runtime, user_id=sara["user"]["id"], status=status)

    response = await upload(client, headers, campaign_id, CSV)

    assert response.status_code == 409
    assert problem_fields(response) == ["campaign_id"]
    assert status.value in response.json()["detail"]
    assert await import_rows(runtime) == 0


async def test_a_paused_campaign_takes_more_recipients(
    client: httpx.AsyncClient, runtime: Runtime, sara: dict[str, Any], headers: dict[str, str]
) -> None:
    campaign_id = await create_campaign(
        runtime, user_id=sara["user"]["id"], status=CampaignStatus.PAUSED
    )

    response = await upload(client, headers, campaign_id, CSV)

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("mapping", "fields"),
    [
        ({"phone": "telephone"}, ["phone"]),
        ({"phone": "mobile", "name": "full name"}, ["name"]),
        ({"phone": "mobile", "variables": {"city": "town"}}, ["variables.city"]),
        ({"phone": "mobile", "variables": {"1st": "city"}}, ["variables.1st"]),
        ({"phone": "mobile", "variables": {"name": "city"}}, ["variables.name"]),
        ({"phone": "col9"}, ["phone"]),
        ({"name": "name"}, ["phone"]),
    ],
)
async def test_a_mapping_naming_what_is_not_there_is_refused_by_field(
    client: httpx.AsyncClient,
    runtime: Runtime,
    headers: dict[str, str],
    uploaded: dict[str, Any],
    mapping: dict[str, Any],
    fields: list[str],
) -> None:
    response = await map_columns(client, headers, uploaded["id"], has_header=True, **mapping)

    assert response.status_code == 422, response.text
    assert problem_fields(response) == fields
    status = (await client.get(f"/api/v1/imports/{uploaded['id']}", headers=headers)).json()
    assert status["status"] == "UPLOADED"


async def test_columns_can_be_named_colN_and_the_header_guess_overruled(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str], uploaded: dict[str, Any]
) -> None:
    response = await map_columns(
        client,
        headers,
        uploaded["id"],
        phone="col1",
        name="COL2",
        variables={"شهر": "col3"},
        has_header=False,
    )

    assert response.status_code == 202, response.text
    assert response.json()["mapping"] == {
        "phone": "col1",
        "name": "COL2",
        "variables": {"شهر": "col3"},
        "has_header": False,
    }
    done = await wait_for_import(client, headers, uploaded["id"])
    # Row 1 is read as data now: "mobile" is no phone number.
    assert (done["rows_total"], done["imported"], done["rejected"]) == (2, 1, 1)


async def test_a_mapping_is_given_once(
    client: httpx.AsyncClient, headers: dict[str, str], uploaded: dict[str, Any]
) -> None:
    first = await map_columns(client, headers, uploaded["id"], phone="mobile", has_header=True)
    second = await map_columns(client, headers, uploaded["id"], phone="mobile", has_header=True)

    assert first.status_code == 202
    assert second.status_code == 409
    assert problem_fields(second) == ["import_id"]


async def test_no_mapping_once_the_campaign_has_started(
    client: httpx.AsyncClient,
    runtime: Runtime,
    headers: dict[str, str],
    campaign_id: int,
    uploaded: dict[str, Any],
) -> None:
    async with transaction(runtime.sessionmaker) as session:
        campaign = await session.get(Campaign, campaign_id)
        assert campaign is not None
        campaign.status = CampaignStatus.RUNNING

    response = await map_columns(client, headers, uploaded["id"], phone="mobile", has_header=True)

    assert response.status_code == 409
    assert problem_fields(response) == ["campaign_id"]
