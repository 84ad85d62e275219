"""Message templates: listed from the WABA (GET /senders/{id}/templates) and sent by name."""

from __future__ import annotations

import httpx

from payam.providers.base import OutgoingMessage, TemplateChoice
from payam.providers.cloud.provider import CloudSession
from tests.providers.cloud.conftest import CloudWorld
from tests.support import problem_fields


async def test_a_cloud_numbers_templates_are_listed_every_page(
    client: httpx.AsyncClient, user: dict[str, str], cloud: CloudWorld
) -> None:
    sender = await cloud.link(client, user)
    extra = [
        {
            "name": f"promo_{index:02d}",
            "language": "fa",
            "status": "APPROVED",
            "category": "MARKETING",
            "components": [{"type": "BODY", "text": "تخفیف {{1}}"}],
        }
        for index in range(30)
    ]
    cloud.number.templates.extend(extra)  # more than one page of 25

    response = await client.get(f"/api/v1/senders/{sender['id']}/templates", headers=user)

    assert response.status_code == 200, response.text
    templates = response.json()
    assert len(templates) == 33
    assert templates[1] == {
        "name": "order_ready",
        "language": "fa",
        "status": "APPROVED",
        "category": "UTILITY",
        "body": "سلام {{1}}، سفارش {{2}} آماده است.",
        "parameters": 2,
    }
    assert templates[2]["status"] == "REJECTED"


async def test_only_cloud_numbers_have_templates(
    client: httpx.AsyncClient, user: dict[str, str], stranger: dict[str, str], cloud: CloudWorld
) -> None:
    sandbox = (
        await client.post("/api/v1/senders", json={"display_name": "Shop"}, headers=user)
    ).json()
    sender = await cloud.link(client, user)

    refused = await client.get(f"/api/v1/senders/{sandbox['id']}/templates", headers=user)
    not_theirs = await client.get(f"/api/v1/senders/{sender['id']}/templates", headers=stranger)

    assert refused.status_code == 422
    assert problem_fields(refused) == ["sender_id"]
    assert not_theirs.status_code == 404


async def test_a_graph_api_down_is_a_503(
    client: httpx.AsyncClient, user: dict[str, str], cloud: CloudWorld
) -> None:
    sender = await cloud.link(client, user)
    cloud.number.access_token = "EAAG-revoked"  # Meta no longer takes the stored token

    response = await client.get(f"/api/v1/senders/{sender['id']}/templates", headers=user)

    assert response.status_code == 503
    assert "(190)" in response.json()["detail"]


async def test_a_template_goes_out_by_name_with_its_values_in_order(
    session: CloudSession, cloud: CloudWorld
) -> None:
    choice = TemplateChoice(name="order_ready", language="fa", parameters=("سارا", "۱۲۳۴"))
    await session.send(
        OutgoingMessage(to="+989121234567", text="", message_id="m-t", template=choice)
    )

    [sent] = cloud.graph.sent
    assert sent["type"] == "template"
    assert sent["biz_opaque_callback_data"] == "m-t"
    assert sent["template"] == {
        "name": "order_ready",
        "language": {"code": "fa"},
        "components": [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": "سارا"}, {"type": "text", "text": "۱۲۳۴"}],
            }
        ],
    }
