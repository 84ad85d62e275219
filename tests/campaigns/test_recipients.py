"""A campaign's recipients as its owner pages through them: state, attempts, errors and times."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from payam.config import Settings
from payam.jobs import embedded_worker
from payam.models import RecipientStatus
from payam.runtime import Runtime
from tests.campaign_support import create_campaign, phone_number, settle
from tests.imports.helpers import import_file
from tests.support import problem_fields

OUTCOMES = [
    RecipientStatus.SENT,
    RecipientStatus.FAILED,
    RecipientStatus.UNKNOWN,
    RecipientStatus.DELIVERED,
]


async def page_of(
    client: httpx.AsyncClient, headers: dict[str, str], campaign_id: int, query: str = ""
) -> dict[str, Any]:
    response = await client.get(
        f"/api/v1/campaigns/{campaign_id}/recipients{query}", headers=headers
    )
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


@pytest.fixture
async def campaign(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> dict[str, Any]:
    """Five recipients after a run: sent, failed, unknown, delivered, and one still pending."""
    created = await create_campaign(client, runtime, user, sender_ids=[], recipients=5)
    await settle(runtime, created["id"], OUTCOMES)
    return created


async def test_recipients_are_listed_in_order_with_their_state(
    client: httpx.AsyncClient, user: dict[str, str], campaign: dict[str, Any]
) -> None:
    page = await page_of(client, user, campaign["id"])

    assert (page["total"], page["page"], page["page_size"]) == (5, 1, 50)
    items = page["items"]
    assert [item["id"] for item in items] == sorted(item["id"] for item in items)
    assert [
        (item["phone"], item["name"], item["variables"], item["status"], item["attempt"])
        for item in items
    ] == [
        (phone_number(0), "Customer 0", {}, "SENT", 1),
        (phone_number(1), "Customer 1", {}, "FAILED", 1),
        (phone_number(2), "Customer 2", {}, "UNKNOWN", 1),
        (phone_number(3), "Customer 3", {}, "DELIVERED", 1),
        (phone_number(4), "Customer 4", {}, "PENDING", 0),
    ]
    assert [item["error"] for item in items] == [None, "rejected by WhatsApp", None, None, None]
    assert [item["sent_at"] is not None for item in items] == [True, False, True, True, False]
    assert all(item["delivered_at"] is None and item["read_at"] is None for item in items)


async def test_recipients_come_a_page_at_a_time(
    client: httpx.AsyncClient, user: dict[str, str], campaign: dict[str, Any]
) -> None:
    every = [item["id"] for item in (await page_of(client, user, campaign["id"]))["items"]]

    pages = [
        await page_of(client, user, campaign["id"], f"?page_size=2&page={number}")
        for number in (1, 2, 3, 4)
    ]

    assert [[item["id"] for item in page["items"]] for page in pages] == [
        every[0:2],
        every[2:4],
        every[4:5],
        [],
    ]
    assert {(page["total"], page["page_size"]) for page in pages} == {(5, 2)}


@pytest.mark.parametrize(
    ("query", "phones", "total"),
    [
        ("?status=FAILED", [phone_number(1)], 1),
        ("?status=PENDING", [phone_number(4)], 1),
        ("?status=READ", [], 0),
        ("?status=SENT&page_size=1", [phone_number(0)], 1),
    ],
)
async def test_recipients_are_filtered_by_status(
    client: httpx.AsyncClient,
    user: dict[str, str],
    campaign: dict[str, Any],
    query: str,
    phones: list[str],
    total: int,
) -> None:
    page = await page_of(client, user, campaign["id"], query)

    assert [item["phone"] for item in page["items"]] == phones
    assert page["total"] == total


@pytest.mark.parametrize(
    ("query", "field"),
    [("?status=DONE", "status"), ("?page=0", "page"), ("?page_size=0", "page_size")],
)
async def test_a_bad_query_is_refused_naming_it(
    client: httpx.AsyncClient,
    user: dict[str, str],
    campaign: dict[str, Any],
    query: str,
    field: str,
) -> None:
    response = await client.get(
        f"/api/v1/campaigns/{campaign['id']}/recipients{query}", headers=user
    )

    assert response.status_code == 422
    assert problem_fields(response) == [field]


async def test_an_imported_list_is_listed_and_previewed_with_its_columns(
    client: httpx.AsyncClient, runtime: Runtime, settings: Settings, user: dict[str, str]
) -> None:
    created = await client.post(
        "/api/v1/campaigns",
        json={"title": "Yalda", "message": "{{name|Friend}} in {{city}}"},
        headers=user,
    )
    campaign_id = created.json()["id"]
    csv = "mobile,name,city\n0912 111 2233,Ali,Tehran\n۰۹۱۲۴۴۴۵۵۶۶,,Shiraz\n".encode()

    with embedded_worker(settings):
        finished = await import_file(client, user, campaign_id, csv)

    assert finished["status"] == "COMPLETED", finished
    page = await page_of(client, user, campaign_id)
    assert [(item["phone"], item["name"], item["variables"]) for item in page["items"]] == [
        ("+989121112233", "Ali", {"city": "Tehran"}),
        ("+989124445566", None, {"city": "Shiraz"}),
    ]
    previews = await client.get(f"/api/v1/campaigns/{campaign_id}/preview", headers=user)
    assert [item["text"] for item in previews.json()] == ["Ali in Tehran", "Friend in Shiraz"]
