"""Writing a campaign: create, list, read, change and delete, as its owner sees them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from payam.db.session import transaction
from payam.models import CampaignStatus, Recipient
from payam.runtime import Runtime
from tests.campaign_support import campaign_in, campaign_view, create_campaign, link_sender
from tests.media.helpers import uploaded
from tests.media.samples import png
from tests.support import problem_fields

CAMPAIGNS = "/api/v1/campaigns"
NO_ONE = {
    "total": 0,
    "pending": 0,
    "sending": 0,
    "sent": 0,
    "delivered": 0,
    "read": 0,
    "failed": 0,
    "skipped": 0,
    "unknown": 0,
}


async def listed(
    client: httpx.AsyncClient, headers: dict[str, str], query: str = ""
) -> dict[str, Any]:
    response = await client.get(f"{CAMPAIGNS}{query}", headers=headers)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def test_a_new_campaign_is_a_draft_holding_what_was_sent(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    shop = await link_sender(client, user)
    branch = await link_sender(client, user, display_name="Branch")

    response = await client.post(
        CAMPAIGNS,
        json={
            "title": "Nowruz sale",
            "message": "سلام {{name|دوست}}",
            "interval_seconds": 20,
            "sender_ids": [branch["id"], shop["id"], branch["id"]],
        },
        headers=user,
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert {key: body[key] for key in body if not key.endswith("_at") and key != "id"} == {
        "title": "Nowruz sale",
        "message": "سلام {{name|دوست}}",
        "interval_seconds": 20,
        "status": "DRAFT",
        "status_reason": None,
        "sender_ids": sorted([shop["id"], branch["id"]]),
        "media_id": None,
        "whatsapp_template": None,
        "is_connected": True,
        "counts": NO_ONE,
        "source_campaign_id": None,
        "copy_kind": None,
    }
    assert [body[key] for key in ("scheduled_at", "started_at", "completed_at")] == [None] * 3
    assert body["estimated_finish_at"] is None
    assert await campaign_view(client, user, body["id"]) == body


async def test_a_campaign_without_numbers_is_not_connected_and_takes_the_default_pace(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    response = await client.post(CAMPAIGNS, json={"title": "Later", "message": "Hi"}, headers=user)

    assert response.status_code == 201, response.text
    assert (response.json()["sender_ids"], response.json()["is_connected"]) == ([], False)
    assert response.json()["interval_seconds"] == 10


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"message": "Hi {{name"}, "message"),
        ({"message": "Hi {a|b"}, "message"),
        ({"message": ""}, "message"),
        ({"interval_seconds": 7}, "interval_seconds"),
        ({"title": ""}, "title"),
        ({"title": "Sale\nnow"}, "title"),
        ({"title": None}, "title"),
        ({"colour": "red"}, "colour"),
        ({"sender_ids": [0]}, "sender_ids.0"),
    ],
)
async def test_a_draft_with_bad_input_is_refused_naming_the_field(
    client: httpx.AsyncClient, user: dict[str, str], change: dict[str, Any], field: str
) -> None:
    response = await client.post(
        CAMPAIGNS, json={"title": "Sale", "message": "Hi", **change}, headers=user
    )

    assert response.status_code == 422, response.text
    assert problem_fields(response) == [field]
    assert (await listed(client, user))["total"] == 0


async def test_someone_elses_number_or_attachment_cannot_be_used(
    client: httpx.AsyncClient, user: dict[str, str], stranger: dict[str, str]
) -> None:
    theirs = await link_sender(client, stranger)
    their_logo = await uploaded(client, stranger, png(), filename="logo.png")
    draft = {"title": "Sale", "message": "Hi"}

    with_number = await client.post(
        CAMPAIGNS, json={**draft, "sender_ids": [theirs["id"]]}, headers=user
    )
    with_attachment = await client.post(
        CAMPAIGNS, json={**draft, "media_id": their_logo["id"]}, headers=user
    )

    assert with_number.status_code == 422
    assert problem_fields(with_number) == ["sender_ids"]
    assert str(theirs["id"]) in with_number.json()["detail"]
    assert with_attachment.status_code == 404
    assert with_attachment.json()["detail"] == "No such attachment"
    assert (await listed(client, user))["total"] == 0


async def test_the_list_is_yours_newest_first_by_page_and_by_status(
    client: httpx.AsyncClient, user: dict[str, str], stranger: dict[str, str]
) -> None:
    ids = []
    for title in ("First", "Second", "Third"):
        response = await client.post(
            CAMPAIGNS, json={"title": title, "message": "Hi"}, headers=user
        )
        ids.append(response.json()["id"])
    await client.post(CAMPAIGNS, json={"title": "Not Sara's", "message": "Hi"}, headers=stranger)
    cancelled = await client.post(f"{CAMPAIGNS}/{ids[1]}/cancel", headers=user)
    assert cancelled.status_code == 200

    first_page = await listed(client, user, "?page_size=2")
    second_page = await listed(client, user, "?page_size=2&page=2")
    drafts = await listed(client, user, "?status=DRAFT")
    running = await listed(client, user, "?status=RUNNING")

    assert [item["title"] for item in first_page["items"]] == ["Third", "Second"]
    assert (first_page["total"], first_page["page"], first_page["page_size"]) == (3, 1, 2)
    assert [item["id"] for item in second_page["items"]] == [ids[0]]
    assert [item["id"] for item in drafts["items"]] == [ids[2], ids[0]]
    assert drafts["total"] == 2
    assert {item["status"] for item in drafts["items"]} == {"DRAFT"}
    assert running == {"items": [], "total": 0, "page": 1, "page_size": 50}
    assert [item["title"] for item in (await listed(client, stranger))["items"]] == ["Not Sara's"]


@pytest.mark.parametrize(
    ("query", "field"),
    [("?status=SENT", "status"), ("?page=0", "page"), ("?page_size=201", "page_size")],
)
async def test_a_bad_list_query_is_refused_naming_it(
    client: httpx.AsyncClient, user: dict[str, str], query: str, field: str
) -> None:
    response = await client.get(f"{CAMPAIGNS}{query}", headers=user)

    assert response.status_code == 422
    assert problem_fields(response) == [field]


async def test_a_draft_changes_only_what_is_sent(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    shop = await link_sender(client, user)
    branch = await link_sender(client, user, display_name="Branch")
    created = (
        await client.post(
            CAMPAIGNS,
            json={"title": "Sale", "message": "Hi", "sender_ids": [shop["id"]]},
            headers=user,
        )
    ).json()

    response = await client.patch(
        f"{CAMPAIGNS}/{created['id']}",
        json={
            "title": "Big sale",
            "message": "Hi {{name|friend}}",
            "interval_seconds": 5,
            "sender_ids": [branch["id"]],
        },
        headers=user,
    )
    untouched = await client.patch(
        f"{CAMPAIGNS}/{created['id']}", json={"title": None, "message": None}, headers=user
    )

    assert response.status_code == 200, response.text
    changed = response.json()
    assert {key: changed[key] for key in created if changed[key] != created[key]} == {
        "title": "Big sale",
        "message": "Hi {{name|friend}}",
        "interval_seconds": 5,
        "sender_ids": [branch["id"]],
        "updated_at": changed["updated_at"],
    }
    assert changed["updated_at"] > created["updated_at"]
    assert untouched.status_code == 200
    assert untouched.json()["title"] == "Big sale"
    assert untouched.json()["message"] == "Hi {{name|friend}}"
    assert (await campaign_view(client, user, created["id"]))["sender_ids"] == [branch["id"]]


async def test_an_attachment_is_set_and_removed(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    logo = await uploaded(client, user, png(), filename="logo.png")
    created = (
        await client.post(CAMPAIGNS, json={"title": "Sale", "message": "Hi"}, headers=user)
    ).json()
    url = f"{CAMPAIGNS}/{created['id']}"

    attached = await client.patch(url, json={"media_id": logo["id"]}, headers=user)
    shown_with = await campaign_view(client, user, created["id"])
    removed = await client.patch(url, json={"remove_media": True}, headers=user)

    assert attached.status_code == 200
    assert attached.json()["media_id"] == shown_with["media_id"] == logo["id"]
    assert removed.status_code == 200
    assert removed.json()["media_id"] is None
    assert (await campaign_view(client, user, created["id"]))["media_id"] is None
    # The attachment itself stays, for another campaign.
    assert (await client.get(f"/api/v1/media/{logo['id']}", headers=user)).status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"message": "{{"}, "message"),
        ({"interval_seconds": 3}, "interval_seconds"),
        ({"sender_ids": [999_999]}, "sender_ids"),
        ({"status": "RUNNING"}, "status"),
    ],
)
async def test_a_bad_change_is_refused_naming_the_field_and_changes_nothing(
    client: httpx.AsyncClient, user: dict[str, str], change: dict[str, Any], field: str
) -> None:
    created = (
        await client.post(CAMPAIGNS, json={"title": "Sale", "message": "Hi"}, headers=user)
    ).json()

    response = await client.patch(f"{CAMPAIGNS}/{created['id']}", json=change, headers=user)

    assert response.status_code == 422, response.text
    assert problem_fields(response) == [field]
    assert await campaign_view(client, user, created["id"]) == created


async def test_a_paused_campaign_can_be_changed_and_stays_paused(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> None:
    campaign = await campaign_in(client, runtime, user, CampaignStatus.PAUSED)

    response = await client.patch(
        f"{CAMPAIGNS}/{campaign['id']}", json={"message": "Last chance!"}, headers=user
    )

    assert response.status_code == 200, response.text
    assert (response.json()["message"], response.json()["status"]) == ("Last chance!", "PAUSED")


@pytest.mark.parametrize(
    "state", [CampaignStatus.RUNNING, CampaignStatus.CANCELLED, CampaignStatus.COMPLETED]
)
async def test_a_running_or_finished_campaign_cannot_be_changed(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], state: CampaignStatus
) -> None:
    before = await campaign_in(client, runtime, user, state)

    response = await client.patch(
        f"{CAMPAIGNS}/{before['id']}", json={"title": "Changed"}, headers=user
    )

    assert response.status_code == 409
    assert problem_fields(response) == ["status"]
    advice = "pause it first" if state is CampaignStatus.RUNNING else "duplicate it to send again"
    assert response.json()["detail"] == f"A {state.lower()} campaign cannot be changed; {advice}"
    after = await campaign_view(client, user, before["id"])
    assert (after["status"], after["title"]) == (state.value, "Black Friday")
    assert after["updated_at"] == before["updated_at"]


@pytest.mark.parametrize(
    "state",
    [
        CampaignStatus.DRAFT,
        CampaignStatus.PAUSED,
        CampaignStatus.CANCELLED,
        CampaignStatus.COMPLETED,
    ],
)
async def test_a_campaign_not_sending_is_deleted_with_its_recipients(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], state: CampaignStatus
) -> None:
    kept = await create_campaign(client, runtime, user, sender_ids=[], recipients=1)
    campaign = await campaign_in(client, runtime, user, state)

    response = await client.delete(f"{CAMPAIGNS}/{campaign['id']}", headers=user)

    assert response.status_code == 204
    assert response.content == b""
    gone = await client.get(f"{CAMPAIGNS}/{campaign['id']}", headers=user)
    assert gone.status_code == 404
    recipients = await client.get(f"{CAMPAIGNS}/{campaign['id']}/recipients", headers=user)
    assert recipients.status_code == 404
    assert [item["id"] for item in (await listed(client, user))["items"]] == [kept["id"]]
    async with transaction(runtime.sessionmaker) as session:
        left = await session.scalar(
            select(func.count()).where(Recipient.campaign_id == campaign["id"])
        )
    assert left == 0
    again = await client.delete(f"{CAMPAIGNS}/{campaign['id']}", headers=user)
    assert again.status_code == 404


async def test_a_running_or_scheduled_campaign_cannot_be_deleted(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> None:
    running = await campaign_in(client, runtime, user, CampaignStatus.RUNNING)
    scheduled = await campaign_in(client, runtime, user, CampaignStatus.READY)

    answers = [
        await client.delete(f"{CAMPAIGNS}/{campaign['id']}", headers=user)
        for campaign in (running, scheduled)
    ]

    assert [answer.status_code for answer in answers] == [409, 409]
    assert [problem_fields(answer) for answer in answers] == [["status"], ["status"]]
    assert answers[0].json()["detail"] == "Pause or cancel the campaign before deleting it"
    assert (await campaign_view(client, user, running["id"]))["status"] == "RUNNING"
    assert (await campaign_view(client, user, scheduled["id"]))["status"] == "READY"
