"""WhatsApp Web keys in PostgreSQL (scaled mode): the real library, offline, creates its store's
tables on a PostgreSQL DSN, and a device written there survives a restart of the client, which
opens it again by its id and goes on to WhatsApp (out of reach here) without a new scan."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from structlog.testing import capture_logs

from payam.config import Settings
from payam.providers.web.neonize_client import NeonizeClient
from payam.providers.web.provider import store_for
from tests.conftest import TEST_DATABASE_URL

pytestmark = pytest.mark.skipif(
    not (TEST_DATABASE_URL or "").startswith("postgresql"),
    reason="whatsmeow keeps keys in PostgreSQL or SQLite only: this runs on a PostgreSQL run",
)
DEVICE = "989121112233:12@s.whatsapp.net"
WAIT_SECONDS = 30.0


@pytest.fixture
async def keys_url(database_url: str) -> AsyncIterator[URL]:
    """A PostgreSQL database of its own for the keys, as a deployment would give."""
    url = make_url(database_url)
    name = f"{url.database}_keys"
    admin = create_async_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name)
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@pytest.fixture
async def keys(keys_url: URL) -> AsyncIterator[AsyncConnection]:
    engine = create_async_engine(keys_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        yield connection
    await engine.dispose()


def dsn_of(url: URL) -> str:
    """The store setting for that database (lib/pq, inside whatsmeow, asks for TLS unless told
    not to: a server without it needs ``sslmode=disable``)."""
    password = f":{url.password}" if url.password else ""
    return (
        f"postgres://{url.username}{password}@{url.host}:{url.port}/{url.database}?sslmode=disable"
    )


async def ignore(_: object) -> None:
    return None


async def until(check: Callable[[], Awaitable[bool]], *, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"never: {what}")


async def test_the_library_keeps_its_keys_in_postgresql_and_a_device_outlives_a_restart(
    keys_url: URL, keys: AsyncConnection, settings: Settings
) -> None:
    key_store = dsn_of(keys_url)
    assert store_for(settings.model_copy(update={"web_session_store": key_store}), 1) == key_store

    async def tables() -> set[str]:
        found = await keys.scalars(
            text("SELECT tablename FROM pg_tables WHERE tablename LIKE 'whatsmeow%'")
        )
        return set(found.all())

    async def created() -> bool:
        return "whatsmeow_device" in await tables()

    linking = NeonizeClient(store=key_store, device_jid=None, on_event=ignore)
    await linking.connect()
    await until(created, what="the store's tables")
    await linking.disconnect()
    assert {
        "whatsmeow_device",
        "whatsmeow_identity_keys",
        "whatsmeow_sessions",
    } <= await tables()

    # What pairing writes for the device: random keys of the sizes the table checks.
    sizes = {
        "noise_key": 32,
        "identity_key": 32,
        "signed_pre_key": 32,
        "signed_pre_key_sig": 64,
        "adv_key": 32,
        "adv_details": 16,
        "adv_account_sig": 64,
        "adv_account_sig_key": 32,
        "adv_device_sig": 64,
    }
    await keys.execute(
        text(
            "INSERT INTO whatsmeow_device (jid, registration_id, signed_pre_key_id, noise_key,"
            " identity_key, signed_pre_key, signed_pre_key_sig, adv_key, adv_details,"
            " adv_account_sig, adv_account_sig_key, adv_device_sig) VALUES (:jid, 1, 1,"
            " :noise_key, :identity_key, :signed_pre_key, :signed_pre_key_sig, :adv_key,"
            " :adv_details, :adv_account_sig, :adv_account_sig_key, :adv_device_sig)"
        ),
        {"jid": DEVICE} | {column: secrets.token_bytes(n) for column, n in sizes.items()},
    )

    with capture_logs() as logs:
        restarted = NeonizeClient(store=key_store, device_jid=DEVICE, on_event=ignore)
        await restarted.connect()

        async def failed() -> bool:
            return any(e["event"] == "providers.web.connection_failed" for e in logs)

        await until(failed, what="the restarted client reaching for WhatsApp")
        await restarted.disconnect()

    [failure] = [e for e in logs if e["event"] == "providers.web.connection_failed"]
    # It opened the store and its device, and stopped only at the network.
    assert "whatsapp" in failure["reason"].lower()
    assert "database" not in failure["reason"].lower()
    devices = await keys.scalars(text("SELECT jid FROM whatsmeow_device"))
    assert devices.all() == [DEVICE]
