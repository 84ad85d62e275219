"""Seeing the message before it goes: previews per recipient, and a test send to yourself."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from payam.db.session import transaction
from payam.dispatch.engine import Dispatcher
from payam.models import SandboxMessage
from payam.runtime import Runtime
from tests.campaign_support import (
    create_campaign,
    draft_with_quota,
    grant_messages,
    link_sender,
    phone_number,
    run_until,
    start,
    user_id,
)
from tests.support import problem_fields

SARA_PHONE = "+989121234567"


async def preview(
    client: httpx.AsyncClient, headers: dict[str, str], campaign_id: int, query: str = ""
) -> httpx.Response:
    return await client.get(f"/api/v1/campaigns/{campaign_id}/preview{query}", headers=headers)


async def recipient_ids(
    client: httpx.AsyncClient, headers: dict[str, str], campaign_id: int
) -> list[int]:
    page = await client.get(f"/api/v1/campaigns/{campaign_id}/recipients", headers=headers)
    return [item["id"] for item in page.json()["items"]]


async def sandbox_messages(runtime: Runtime) -> list[dict[str, Any]]:
    """Every message the simulated WhatsApp accepted, oldest first."""
    async with transaction(runtime.sessionmaker) as session:
        rows = await session.scalars(select(SandboxMessage).order_by(SandboxMessage.id))
        return [
            {
                "from": row.sender_phone,
                "to": row.recipient_phone,
                "body": row.body,
                "message_id": row.message_id,
            }
            for row in rows
        ]


async def test_the_preview_shows_the_first_five_recipients_messages(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> None:
    campaign = await create_campaign(
        client,
        runtime,
        user,
        sender_ids=[],
        recipients=7,
        message="Hi {{name}} ({{phone}}), {{city}} awaits {{ name | you }}",
    )
    ids = await recipient_ids(client, user, campaign["id"])

    response = await preview(client, user, campaign["id"])
    one = await preview(client, user, campaign["id"], f"?recipient_id={ids[6]}")

    assert response.status_code == 200, response.text
    assert response.json() == [
        {
            "recipient_id": ids[i],
            "phone": phone_number(i),
            "text": f"Hi Customer {i} ({phone_number(i)}),  awaits Customer {i}",
            "missing_variables": ["city"],
        }
        for i in range(5)
    ]
    assert one.status_code == 200
    assert [(item["recipient_id"], item["text"]) for item in one.json()] == [
        (ids[6], f"Hi Customer 6 ({phone_number(6)}),  awaits Customer 6")
    ]


async def test_without_recipients_the_preview_shows_the_fallbacks(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> None:
    with_fallback = await create_campaign(
        client, runtime, user, sender_ids=[], recipients=0, message="سلام {{name|دوست}}!"
    )
    without = await create_campaign(
        client, runtime, user, sender_ids=[], recipients=0, message="Hi {{name}}!"
    )

    shown = (await preview(client, user, with_fallback["id"])).json()
    bare = (await preview(client, user, without["id"])).json()

    assert shown == [
        {"recipient_id": None, "phone": None, "text": "سلام دوست!", "missing_variables": []}
    ]
    assert bare == [
        {"recipient_id": None, "phone": None, "text": "Hi !", "missing_variables": ["name"]}
    ]


@pytest.mark.parametrize(
    ("recipient", "status", "field"),
    [("elsewhere", 404, "recipient_id"), ("0", 422, "recipient_id"), ("x", 422, "recipient_id")],
)
async def test_a_recipient_not_in_the_campaign_has_no_preview(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    recipient: str,
    status: int,
    field: str,
) -> None:
    campaign = await create_campaign(client, runtime, user, sender_ids=[], recipients=1)
    other = await create_campaign(
        client, runtime, user, sender_ids=[], recipients=1, phones=[phone_number(50)]
    )
    [elsewhere] = await recipient_ids(client, user, other["id"])
    asked = str(elsewhere) if recipient == "elsewhere" else recipient

    response = await preview(client, user, campaign["id"], f"?recipient_id={asked}")

    assert response.status_code == status, response.text
    assert problem_fields(response) == [field]


async def test_each_recipient_receives_exactly_the_preview(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> None:
    campaign = await draft_with_quota(
        client,
        runtime,
        user,
        recipients=4,
        message="{Salam|Dorood|Hi} {{name}}, {{city|friend}}: {a {gift|prize}|a discount}",
    )
    previews = (await preview(client, user, campaign["id"])).json()
    assert (await start(client, user, campaign["id"])).status_code == 200
    dispatcher = Dispatcher(runtime, worker_id="preview-test")

    async def all_sent() -> bool:
        return len(await sandbox_messages(runtime)) == 4

    try:
        await run_until(dispatcher, all_sent)
    finally:
        await dispatcher.shutdown()

    received = {message["to"]: message["body"] for message in await sandbox_messages(runtime)}
    assert received == {item["phone"]: item["text"] for item in previews}


async def test_a_test_goes_to_your_own_phone_through_the_number_and_recipient_chosen(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> None:
    await grant_messages(runtime, await user_id(client, user), 5)
    shop = await link_sender(client, user, phone="09350000001")
    branch = await link_sender(client, user, phone="09350000002", display_name="Branch")
    campaign = await create_campaign(
        client,
        runtime,
        user,
        sender_ids=[shop["id"], branch["id"]],
        recipients=2,
        message="Hi {{name|friend}}",
    )
    second = (await recipient_ids(client, user, campaign["id"]))[1]

    response = await client.post(
        f"/api/v1/campaigns/{campaign['id']}/test",
        json={"sender_id": branch["id"], "recipient_id": second},
        headers=user,
    )

    assert response.status_code == 200, response.text
    sent = response.json()
    assert (sent["to"], sent["text"]) == (SARA_PHONE, "Hi Customer 1")
    assert await sandbox_messages(runtime) == [
        {
            "from": "+989350000002",
            "to": SARA_PHONE,
            "body": "Hi Customer 1",
            "message_id": sent["message_id"],
        }
    ]
    subscription = (await client.get("/api/v1/subscriptions/me", headers=user)).json()
    assert (subscription["messages_used"], subscription["messages_reserved"]) == (1, 0)
    view = (await client.get(f"/api/v1/campaigns/{campaign['id']}", headers=user)).json()
    assert (view["status"], view["counts"]["pending"]) == ("DRAFT", 2)


@pytest.mark.parametrize(
    ("ask", "status", "field"),
    [
        ("someone else's number", 422, "sender_id"),
        ("a number not on the campaign", 422, "sender_id"),
        ("no number", 409, "sender_ids"),
        ("a recipient elsewhere", 404, "recipient_id"),
        ("an unknown field", 422, "to"),
    ],
)
async def test_a_test_that_cannot_go_is_refused_naming_why_and_spends_nothing(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    stranger: dict[str, str],
    ask: str,
    status: int,
    field: str,
) -> None:
    await grant_messages(runtime, await user_id(client, user), 5)
    sender = await link_sender(client, user)
    unused = await link_sender(client, user, display_name="Spare")
    theirs = await link_sender(client, stranger)
    campaign = await create_campaign(
        client, runtime, user, sender_ids=[] if ask == "no number" else [sender["id"]], recipients=1
    )
    other = await create_campaign(
        client, runtime, user, sender_ids=[], recipients=1, phones=[phone_number(9)]
    )
    [elsewhere] = await recipient_ids(client, user, other["id"])
    body = {
        "someone else's number": {"sender_id": theirs["id"]},
        "a number not on the campaign": {"sender_id": unused["id"]},
        "no number": {},
        "a recipient elsewhere": {"recipient_id": elsewhere},
        "an unknown field": {"to": "+989350000000"},
    }[ask]

    response = await client.post(
        f"/api/v1/campaigns/{campaign['id']}/test", json=body, headers=user
    )

    assert response.status_code == status, response.text
    assert problem_fields(response) == [field]
    assert await sandbox_messages(runtime) == []
    subscription = (await client.get("/api/v1/subscriptions/me", headers=user)).json()
    assert (subscription["messages_used"], subscription["messages_reserved"]) == (0, 0)
