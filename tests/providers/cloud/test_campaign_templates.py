"""A campaign that sends an approved template: chosen with its values mapped to recipient columns,
checked with Meta at start, and sent with each recipient's values."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import update

from payam.db.session import transaction
from payam.dispatch.engine import Dispatcher
from payam.models import Recipient
from payam.runtime import Runtime
from tests.campaign_support import (
    create_campaign,
    grant_messages,
    link_sender,
    run_until,
    start,
    user_id,
)
from tests.dispatch.conftest import status_counts
from tests.providers.cloud.conftest import CloudWorld
from tests.support import problem_fields

ORDER_READY = {"name": "order_ready", "language": "fa", "variables": ["name", "order"]}


async def template_campaign(
    client: httpx.AsyncClient,
    runtime: Runtime,
    headers: dict[str, str],
    sender_ids: list[int],
    template: dict[str, Any],
) -> dict[str, Any]:
    await grant_messages(runtime, await user_id(client, headers), 100)
    campaign = await create_campaign(client, runtime, headers, sender_ids=sender_ids, recipients=2)
    async with transaction(runtime.sessionmaker) as session:
        await session.execute(
            update(Recipient)
            .where(Recipient.campaign_id == campaign["id"])
            .values(variables={"order": "A-7"})
        )
    response = await client.patch(
        f"/api/v1/campaigns/{campaign['id']}", json={"whatsapp_template": template}, headers=headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["whatsapp_template"] == template
    return campaign


async def test_a_template_campaign_sends_each_recipient_its_values(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], cloud: CloudWorld
) -> None:
    sender = await cloud.link(client, user)
    campaign = await template_campaign(client, runtime, user, [sender["id"]], ORDER_READY)
    assert (await start(client, user, campaign["id"])).status_code == 200
    engine = Dispatcher(runtime, worker_id="templates")

    async def delivered() -> bool:
        return await status_counts(runtime, campaign["id"]) == {"DELIVERED": 2}

    try:
        await run_until(engine, delivered)
    finally:
        await engine.shutdown()

    sent = sorted(cloud.graph.sent, key=lambda item: item["to"])
    assert [item["type"] for item in sent] == ["template", "template"]
    assert [
        [p["text"] for p in item["template"]["components"][0]["parameters"]] for item in sent
    ] == [["Customer 0", "A-7"], ["Customer 1", "A-7"]]


@pytest.mark.parametrize(
    ("template", "field", "says"),
    [
        ({"name": "spring_sale", "language": "fa", "variables": ["name"]}, "name", "REJECTED"),
        ({"name": "order_ready", "language": "en_US", "variables": []}, "name", "no template"),
        ({"name": "order_ready", "language": "fa", "variables": ["name"]}, "variables", "2"),
        (
            {"name": "order_ready", "language": "fa", "variables": ["name", "city"]},
            "variables",
            "city",
        ),
    ],
)
async def test_a_template_meta_would_refuse_stops_the_start_naming_the_field(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    cloud: CloudWorld,
    template: dict[str, Any],
    field: str,
    says: str,
) -> None:
    sender = await cloud.link(client, user)
    campaign = await template_campaign(client, runtime, user, [sender["id"]], template)

    response = await start(client, user, campaign["id"])

    assert response.status_code == 422, response.text
    assert problem_fields(response) == [f"whatsapp_template.{field}"]
    assert says in response.json()["detail"]
    view = (await client.get(f"/api/v1/campaigns/{campaign['id']}", headers=user)).json()
    assert view["status"] == "DRAFT"


async def test_only_cloud_numbers_send_templates(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], cloud: CloudWorld
) -> None:
    sandbox = await link_sender(client, user)
    campaign = await template_campaign(client, runtime, user, [sandbox["id"]], ORDER_READY)

    response = await start(client, user, campaign["id"])

    assert response.status_code == 422
    assert problem_fields(response) == ["whatsapp_template"]
    removed = await client.patch(
        f"/api/v1/campaigns/{campaign['id']}",
        json={"remove_whatsapp_template": True},
        headers=user,
    )
    assert removed.json()["whatsapp_template"] is None
    assert (await start(client, user, campaign["id"])).status_code == 200


def approved(name: str, *components: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"20{len(name)}",
        "name": name,
        "language": "fa",
        "status": "APPROVED",
        "category": "MARKETING",
        "components": [*components, {"type": "BODY", "text": "سلام {{1}}"}],
    }


@pytest.mark.parametrize(
    ("template", "says"),
    [
        (
            approved("new_collection", {"type": "HEADER", "format": "IMAGE"}),
            "its header takes media (image)",
        ),
        (
            approved("greeting_header", {"type": "HEADER", "format": "TEXT", "text": "Hi {{1}}"}),
            "its header takes a value",
        ),
        (
            approved(
                "track_order",
                {
                    "type": "BUTTONS",
                    "buttons": [
                        {"type": "URL", "text": "Track", "url": "https://shop.example/t/{{1}}"}
                    ],
                },
            ),
            "its url button takes a value",
        ),
        (
            approved(
                "discount_code",
                {"type": "BUTTONS", "buttons": [{"type": "COPY_CODE", "example": "SALE25"}]},
            ),
            "its copy_code button takes a value",
        ),
    ],
)
async def test_a_template_whose_header_or_buttons_take_values_is_refused_at_start(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    cloud: CloudWorld,
    template: dict[str, Any],
    says: str,
) -> None:
    cloud.number.templates.append(template)
    sender = await cloud.link(client, user)
    mapping = {"name": template["name"], "language": "fa", "variables": ["name"]}
    campaign = await template_campaign(client, runtime, user, [sender["id"]], mapping)

    response = await start(client, user, campaign["id"])

    assert response.status_code == 422, response.text
    assert problem_fields(response) == ["whatsapp_template.name"]
    assert says in response.json()["detail"]


async def test_a_fixed_header_and_quick_replies_need_no_values(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], cloud: CloudWorld
) -> None:
    cloud.number.templates.append(
        approved(
            "weekly_news",
            {"type": "HEADER", "format": "TEXT", "text": "News"},
            {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Stop"}]},
        )
    )
    sender = await cloud.link(client, user)
    mapping = {"name": "weekly_news", "language": "fa", "variables": ["name"]}
    campaign = await template_campaign(client, runtime, user, [sender["id"]], mapping)

    assert (await start(client, user, campaign["id"])).status_code == 200
