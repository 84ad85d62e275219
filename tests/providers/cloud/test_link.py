"""Linking a Cloud API number: POST/PATCH /senders with credentials Meta accepts, kept sealed."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from payam.db.session import transaction
from payam.models import Sender
from payam.runtime import Runtime
from tests.providers.cloud.conftest import CloudWorld
from tests.support import problem_fields

SENDERS = "/api/v1/senders"


async def test_a_cloud_number_links_with_the_phone_meta_gives_and_its_secrets_masked(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], cloud: CloudWorld
) -> None:
    sender = await cloud.link(client, user)

    assert sender["provider"] == "cloud"
    assert sender["status"] == "CONNECTED"
    assert sender["phone"] == "+989120000001"
    number = cloud.number
    assert sender["cloud"] == {
        "phone_number_id": number.phone_number_id,
        "waba_id": number.waba_id,
        "graph_base_url": cloud.graph_url,
        "access_token": "…" + number.access_token[-4:],
        "app_secret": "…" + number.app_secret[-4:],
        "verify_token": "…1234",
        "webhook_url": f"https://testserver/api/v1/webhooks/whatsapp/{sender['id']}",
    }
    assert (await client.get(f"{SENDERS}/{sender['id']}", headers=user)).json() == sender
    async with transaction(runtime.sessionmaker) as session:
        stored = str((await session.scalars(select(Sender.provider_config))).one())
    for secret in (number.access_token, number.app_secret, "my-verify-token-1234"):
        assert secret not in stored


async def test_credentials_meta_refuses_are_refused_naming_the_field(
    client: httpx.AsyncClient, user: dict[str, str], cloud: CloudWorld
) -> None:
    wrong_token = await client.post(
        SENDERS,
        json={
            "provider": "cloud",
            "display_name": "Shop",
            "cloud": cloud.credentials(access_token="EAAG-not-the-token"),
        },
        headers=user,
    )
    unknown_number = await client.post(
        SENDERS,
        json={
            "provider": "cloud",
            "display_name": "Shop",
            "cloud": cloud.credentials(phone_number_id="999"),
        },
        headers=user,
    )
    no_credentials = await client.post(
        SENDERS, json={"provider": "cloud", "display_name": "Shop"}, headers=user
    )

    assert wrong_token.status_code == 422
    assert problem_fields(wrong_token) == ["cloud.access_token"]
    assert "(190)" in wrong_token.json()["detail"]
    assert unknown_number.status_code == 422
    assert problem_fields(unknown_number) == ["cloud.phone_number_id"]
    assert no_credentials.status_code == 422
    assert problem_fields(no_credentials) == ["cloud"]
    assert (await client.get(SENDERS, headers=user)).json() == []


async def test_an_unreachable_graph_api_is_a_503_and_links_nothing(
    client: httpx.AsyncClient, user: dict[str, str], cloud: CloudWorld
) -> None:
    response = await client.post(
        SENDERS,
        json={
            "provider": "cloud",
            "display_name": "Shop",
            # Port 9 on loopback: nothing listens there.
            "cloud": cloud.credentials(graph_base_url="http://127.0.0.1:9"),
        },
        headers=user,
    )

    assert response.status_code == 503, response.text
    assert (await client.get(SENDERS, headers=user)).json() == []


async def test_new_credentials_are_checked_and_connect_the_number_again(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], cloud: CloudWorld
) -> None:
    sender = await cloud.link(client, user)
    url = f"{SENDERS}/{sender['id']}"
    async with transaction(runtime.sessionmaker) as session:
        row = await session.get(Sender, sender["id"])
        assert row is not None
        row.status_reason = "token revoked"
        row.status = row.status.LOGGED_OUT
    cloud.number.access_token = "EAAG-rotated-token-5678"

    refused = await client.patch(
        url, json={"cloud": {"access_token": "EAAG-old-wrong"}}, headers=user
    )
    accepted = await client.patch(
        url, json={"cloud": {"access_token": "EAAG-rotated-token-5678"}}, headers=user
    )

    assert refused.status_code == 422
    assert problem_fields(refused) == ["cloud.access_token"]
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert body["status"] == "CONNECTED"
    assert body["status_reason"] is None
    assert body["cloud"]["access_token"] == "…5678"
    assert body["cloud"]["app_secret"] == sender["cloud"]["app_secret"]


async def test_cloud_credentials_belong_to_cloud_numbers_only(
    client: httpx.AsyncClient, user: dict[str, str], cloud: CloudWorld
) -> None:
    sandbox = await client.post(
        SENDERS,
        json={"provider": "sandbox", "display_name": "Shop", "cloud": cloud.credentials()},
        headers=user,
    )
    assert sandbox.status_code == 422
    assert problem_fields(sandbox) == ["cloud"]
    linked = await client.post(SENDERS, json={"display_name": "Sandbox"}, headers=user)
    patched = await client.patch(
        f"{SENDERS}/{linked.json()['id']}",
        json={"cloud": {"access_token": "EAAG-some-token"}},
        headers=user,
    )
    assert patched.status_code == 422
    assert problem_fields(patched) == ["cloud"]
