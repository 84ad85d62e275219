"""make run's fake Graph API at /fake-graph (development only): a person gets a number, links it,
points its webhook at Payam as in Meta's dashboard, and writes to it, all over HTTP."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from payam.app import FAKE_GRAPH_PATH, create_app
from payam.config import Environment
from payam.db.session import transaction
from payam.models import CloudWebhookEvent
from payam.runtime import Runtime
from tests.support import served, signed_in_headers


async def test_a_number_of_the_fake_links_subscribes_and_hears_replies(runtime: Runtime) -> None:
    settings = runtime.settings.model_copy(update={"environment": Environment.DEVELOPMENT})
    async with served(create_app(settings, runtime=runtime)) as address:
        base = f"http://{address}"
        async with httpx.AsyncClient(base_url=base) as client:
            user = await signed_in_headers(client)
            made = await client.post(f"{FAKE_GRAPH_PATH}/_fake/numbers", json={})
            assert made.status_code == 201, made.text
            number = made.json()
            linked = await client.post(
                "/api/v1/senders",
                json={
                    "provider": "cloud",
                    "display_name": "Trying the Cloud API",
                    "cloud": {
                        "phone_number_id": number["phone_number_id"],
                        "waba_id": number["waba_id"],
                        "access_token": number["access_token"],
                        "app_secret": number["app_secret"],
                        "verify_token": "my-verify-token",
                        "graph_base_url": base + FAKE_GRAPH_PATH,
                    },
                },
                headers=user,
            )
            assert linked.status_code == 201, linked.text
            webhook = f"{base}/api/v1/webhooks/whatsapp/{linked.json()['id']}"
            fake_number = f"{FAKE_GRAPH_PATH}/_fake/numbers/{number['phone_number_id']}"

            wrong = await client.put(
                f"{fake_number}/webhook", json={"url": webhook, "verify_token": "guess"}
            )
            subscribed = await client.put(
                f"{fake_number}/webhook", json={"url": webhook, "verify_token": "my-verify-token"}
            )
            replied = await client.post(
                f"{fake_number}/replies", json={"from": "+98 912 123 4567", "text": "STOP"}
            )

    assert wrong.status_code == 400
    assert subscribed.json() == {"success": True}
    assert replied.json() == {"webhook_status": 200}
    async with transaction(runtime.sessionmaker) as session:
        stored = await session.scalar(select(func.count()).select_from(CloudWebhookEvent))
    assert stored == 1


async def test_the_fake_is_not_served_outside_development(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{FAKE_GRAPH_PATH}/_fake/numbers", json={})

    assert response.status_code in {404, 405}
