"""Endpoint secrets: sealed at rest, shown only when made (at creation and rotation); a rotated
secret signs beside the new one for a day; a new credential key reseals them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import insert, select, text, update

from payam.background import housekeeping
from payam.config import Settings
from payam.db.engine import create_engine
from payam.db.migrate import alembic_config, upgrade_to_head
from payam.db.session import transaction
from payam.kit.clock import utc_now
from payam.kit.credentials import CredentialBox
from payam.models import User, WebhookEndpoint
from payam.runtime import Runtime
from payam.webhooks.delivery import WebhookDeliverer
from tests.campaign_support import link_sender
from tests.webhooks.conftest import deliver_until, deliveries, register_endpoint
from tests.webhooks.receiver import Receiver, verify

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"credential_keys": SecretStr(OLD_KEY)})


async def stored(runtime: Runtime, endpoint_id: int) -> WebhookEndpoint:
    async with transaction(runtime.sessionmaker) as session:
        endpoint = await session.get(WebhookEndpoint, endpoint_id)
        assert endpoint is not None
        return endpoint


async def one_delivery(
    client: httpx.AsyncClient, user: dict[str, str], receiver: Receiver, deliverer: WebhookDeliverer
) -> dict[str, Any]:
    """A number linked, heard as ``sender.connected``: the endpoint's one delivery."""
    endpoint = await register_endpoint(client, user, receiver, ["sender.connected"])
    await link_sender(client, user)
    await deliver_until(deliverer, lambda: len(receiver.received) == 1)
    return endpoint


async def redelivered(
    client: httpx.AsyncClient,
    user: dict[str, str],
    receiver: Receiver,
    deliverer: WebhookDeliverer,
    endpoint_id: int,
) -> tuple[dict[str, str], bytes]:
    """The endpoint's delivery sent again: the headers and body the receiver got."""
    delivery = (await deliveries(client, user, endpoint_id))[0]
    answer = await client.post(
        f"/api/v1/webhooks/endpoints/{endpoint_id}/deliveries/{delivery['id']}/redeliver",
        headers=user,
    )
    assert answer.status_code == 202, answer.text
    heard = len(receiver.raw)
    await deliver_until(deliverer, lambda: len(receiver.raw) > heard)
    return receiver.raw[-1]


async def test_the_secret_is_sealed_at_rest_and_never_shown_again(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    receiver: Receiver,
    deliverer: WebhookDeliverer,
) -> None:
    endpoint = await one_delivery(client, user, receiver, deliverer)
    secret = endpoint["secret"]
    assert receiver.received[0].signed

    row = await stored(runtime, endpoint["id"])
    assert secret not in row.sealed_secret
    assert CredentialBox(runtime.settings).open(row.sealed_secret) == secret
    url = f"/api/v1/webhooks/endpoints/{endpoint['id']}"
    for view in [
        (await client.get(url, headers=user)).json(),
        (await client.get("/api/v1/webhooks/endpoints", headers=user)).json()["items"][0],
        (await client.patch(url, json={"description": "CRM"}, headers=user)).json(),
    ]:
        assert "secret" not in view
        assert secret not in str(view)


async def test_a_rotated_secret_signs_beside_the_new_one_for_a_day(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    receiver: Receiver,
    deliverer: WebhookDeliverer,
    stranger: dict[str, str],
) -> None:
    endpoint = await one_delivery(client, user, receiver, deliverer)
    old = endpoint["secret"]
    url = f"/api/v1/webhooks/endpoints/{endpoint['id']}/rotate-secret"
    assert (await client.post(url, headers=stranger)).status_code == 404

    rotated = await client.post(url, headers=user)
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    assert new.startswith("whsec_")
    assert new != old
    assert rotated.json()["previous_secret_until"] is not None

    headers, body = await redelivered(client, user, receiver, deliverer, endpoint["id"])
    assert verify(new, headers, body)
    assert verify(old, headers, body)

    # A day later only the new secret signs.
    async with transaction(runtime.sessionmaker) as session:
        await session.execute(
            update(WebhookEndpoint).values(previous_secret_until=utc_now() - timedelta(seconds=1))
        )
    headers, body = await redelivered(client, user, receiver, deliverer, endpoint["id"])
    assert verify(new, headers, body)
    assert not verify(old, headers, body)


@pytest.fixture
async def rotated_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """The same deployment after ``PAYAM_CREDENTIAL_KEYS`` gained a new first key."""
    found = Runtime.create(
        settings.model_copy(update={"credential_keys": SecretStr(f"{NEW_KEY},{OLD_KEY}")})
    )
    yield found
    await found.close()


async def test_a_new_credential_key_reseals_every_secret_in_the_housekeeping_pass(
    client: httpx.AsyncClient,
    runtime: Runtime,
    rotated_runtime: Runtime,
    user: dict[str, str],
    receiver: Receiver,
    deliverer: WebhookDeliverer,
) -> None:
    endpoint = await one_delivery(client, user, receiver, deliverer)
    rotated = await client.post(
        f"/api/v1/webhooks/endpoints/{endpoint['id']}/rotate-secret", headers=user
    )
    secrets = [rotated.json()["secret"], endpoint["secret"]]

    await housekeeping(rotated_runtime, jobs=False)

    row = await stored(runtime, endpoint["id"])
    newest = Fernet(NEW_KEY.encode())
    assert row.previous_sealed_secret is not None
    opened = [
        newest.decrypt(sealed.encode()).decode()
        for sealed in (row.sealed_secret, row.previous_sealed_secret)
    ]
    assert opened == secrets
    # The old key can go: a worker with the new one alone signs with the right secret.
    only_new = Runtime.create(
        runtime.settings.model_copy(update={"credential_keys": SecretStr(NEW_KEY)})
    )
    try:
        new_deliverer = WebhookDeliverer(only_new)
        try:
            receiver.secret = secrets[0]
            headers, body = await redelivered(client, user, receiver, new_deliverer, endpoint["id"])
        finally:
            await new_deliverer.close()
    finally:
        await only_new.close()
    assert verify(secrets[0], headers, body)


async def test_the_migration_seals_the_secrets_already_stored(
    tmp_path: Path, settings: Settings
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'sealing.db'}"
    local = settings.model_copy(update={"database_url": url})
    engine = create_engine(url)
    secret = "whsec_" + "A" * 44
    try:
        async with engine.begin() as connection:
            await connection.run_sync(
                lambda sync: command.upgrade(alembic_config(local, connection=sync), "0017")
            )
            user_id = (
                await connection.execute(
                    insert(User).values(name="Sara", password_hash="x").returning(User.id)
                )
            ).scalar_one()
            await connection.execute(
                text(
                    "INSERT INTO webhook_endpoints (user_id, url, events, secret, enabled, "
                    "failure_streak, created_at, updated_at) VALUES (:user_id, "
                    "'https://crm.example.com/hook', '[]', :secret, 1, 0, :now, :now)"
                ),
                {"user_id": user_id, "secret": secret, "now": utc_now().isoformat()},
            )
        async with engine.begin() as connection:
            await connection.run_sync(lambda sync: upgrade_to_head(local, connection=sync))
            sealed = (await connection.execute(select(WebhookEndpoint.sealed_secret))).scalar_one()
        async with engine.begin() as connection:
            await connection.run_sync(
                lambda sync: command.downgrade(alembic_config(local, connection=sync), "0017")
            )
            opened = (
                await connection.execute(text("SELECT secret FROM webhook_endpoints"))
            ).scalar_one()
    finally:
        await engine.dispose()
    assert secret not in sealed
    assert CredentialBox(local).open(sealed) == secret
    assert opened == secret
