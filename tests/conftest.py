"""Shared fixtures: a migrated database (SQLite, MariaDB or PostgreSQL), the app, fake gateways.

``PAYAM_TEST_DATABASE_URL`` picks the database (a temporary SQLite file when unset) and
``PAYAM_TEST_REDIS_URL`` makes rate limits live in Redis. The tests own that database: they drop
every table in it and migrate it from nothing.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import MetaData, delete
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from payam.app import create_app
from payam.config import Settings
from payam.db.base import Base
from payam.db.engine import create_engine
from payam.db.migrate import downgrade_to_base, upgrade_to_head
from payam.runtime import Runtime
from tests.fakes.kavenegar import FakeKavenegar, serve_kavenegar
from tests.fakes.smtp import FakeMailbox, serve_smtp

TEST_DATABASE_URL = os.environ.get("PAYAM_TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("PAYAM_TEST_REDIS_URL")
TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-for-hs256"
CLIENT_IP = "203.0.113.7"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if TEST_DATABASE_URL:
        return TEST_DATABASE_URL
    return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'payam-test.db'}"


def _drop_everything(connection: Connection) -> None:
    existing = MetaData()
    existing.reflect(connection)
    existing.drop_all(connection)


@pytest.fixture(scope="session")
async def migrated_database(database_url: str) -> str:
    """The test database, emptied and migrated by the real migrations once per run."""
    engine = create_engine(database_url)
    settings = Settings(_env_file=None, database_url=database_url)
    async with engine.begin() as connection:
        await connection.run_sync(_drop_everything)
    # Up, all the way down, and up again: every migration must undo cleanly on this backend.
    for step in (upgrade_to_head, downgrade_to_base, upgrade_to_head):
        async with engine.begin() as connection:
            await connection.run_sync(lambda sync: step(settings, connection=sync))  # noqa: B023
    await engine.dispose()
    return database_url


@pytest.fixture(scope="session")
def kavenegar() -> Iterator[FakeKavenegar]:
    with serve_kavenegar() as fake:
        yield fake


@pytest.fixture(scope="session")
def mailbox() -> Iterator[FakeMailbox]:
    with serve_smtp() as fake:
        yield fake


@pytest.fixture
def settings(
    migrated_database: str, kavenegar: FakeKavenegar, mailbox: FakeMailbox, tmp_path: Path
) -> Settings:
    return Settings(
        _env_file=None,
        environment="test",
        data_dir=tmp_path,
        database_url=migrated_database,
        redis_url=TEST_REDIS_URL,
        secret_key=TEST_SECRET_KEY,
        sms_provider="kavenegar",
        kavenegar_api_key=kavenegar.api_key,
        kavenegar_template=kavenegar.template,
        kavenegar_base_url=kavenegar.url,
        email_provider="smtp",
        smtp_host="127.0.0.1",
        smtp_port=mailbox.port,
        smtp_starttls=False,
        public_url="https://testserver",
        # Pub/sub ignores Redis's database number: test runs sharing one Redis keep apart.
        live_channel_prefix=f"payam:test-live:{uuid.uuid4().hex}:",
    )


async def _empty_tables(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(delete(table))


@pytest.fixture
async def runtime(
    settings: Settings, kavenegar: FakeKavenegar, mailbox: FakeMailbox
) -> AsyncIterator[Runtime]:
    runtime = Runtime.create(settings)
    await runtime.start()
    await runtime.rate_limiter.reset()
    kavenegar.clear()
    mailbox.clear()
    try:
        yield runtime
    finally:
        await _empty_tables(runtime.engine)
        await runtime.close()


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the app, as a browser or an API client at CLIENT_IP would use it."""
    app = create_app(runtime=runtime)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(CLIENT_IP, 50000))
    # https, so that the Secure cookies are sent back as a browser would send them.
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        yield client
