"""Webhook endpoints over the API: registered, listed, changed, removed; secrets shown once."""

from __future__ import annotations

import httpx

from tests.apikeys.support import create_key, key_auth
from tests.webhooks.receiver import Receiver

EVENTS = ["recipient.sent", "campaign.completed"]


async def test_an_endpoint_is_registered_listed_changed_and_removed(
    client: httpx.AsyncClient, user: dict[str, str], receiver: Receiver
) -> None:
    created = await client.post(
        "/api/v1/webhooks/endpoints",
        json={"url": receiver.url, "events": [*EVENTS, "recipient.sent"], "description": "CRM"},
        headers=user,
    )
    assert created.status_code == 201, created.text
    endpoint = created.json()
    assert endpoint["secret"].startswith("whsec_")
    assert endpoint["events"] == ["campaign.completed", "recipient.sent"]
    assert endpoint["enabled"] is True

    listed = (await client.get("/api/v1/webhooks/endpoints", headers=user)).json()
    assert [row["id"] for row in listed["items"]] == [endpoint["id"]]
    assert "secret" not in listed["items"][0]

    url = f"/api/v1/webhooks/endpoints/{endpoint['id']}"
    changed = await client.patch(url, json={"events": ["import.finished"]}, headers=user)
    assert changed.status_code == 200
    assert changed.json()["events"] == ["import.finished"]
    assert (await client.patch(url, json={"enabled": False}, headers=user)).json()[
        "disabled_reason"
    ] == "Disabled by you"

    assert (await client.delete(url, headers=user)).status_code == 204
    assert (await client.get(url, headers=user)).status_code == 404


async def test_only_http_urls_and_known_events_are_taken(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    for body in (
        {"url": "ftp://example.com/hook", "events": EVENTS},
        {"url": "file:///etc/passwd", "events": EVENTS},
        {"url": "https://example.com/hook", "events": ["campaign.exploded"]},
        {"url": "https://example.com/hook", "events": []},
    ):
        answer = await client.post("/api/v1/webhooks/endpoints", json=body, headers=user)
        assert answer.status_code == 422, body


async def test_another_users_endpoint_is_not_found_and_keys_only_read(
    client: httpx.AsyncClient, user: dict[str, str], receiver: Receiver
) -> None:
    created = await client.post(
        "/api/v1/webhooks/endpoints", json={"url": receiver.url, "events": EVENTS}, headers=user
    )
    url = f"/api/v1/webhooks/endpoints/{created.json()['id']}"
    key = key_auth(await create_key(client, user, scopes=["read", "campaigns:write"]))
    assert (await client.get(url, headers=key)).status_code == 200
    refused = await client.post(
        "/api/v1/webhooks/endpoints", json={"url": receiver.url, "events": EVENTS}, headers=key
    )
    assert refused.status_code == 403

    from tests.support import signed_in_headers

    other = await signed_in_headers(
        client, username="omid", email="omid@example.com", phone="09129876543"
    )
    assert (await client.get(url, headers=other)).status_code == 404
    assert (await client.delete(url, headers=other)).status_code == 404
