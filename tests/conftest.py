"""Shared fixtures: a migrated database (SQLite, MariaDB or PostgreSQL), the app, fake gateways.

``PAYAM_TEST_DATABASE_URL`` picks the database (a temporary SQLite file when unset) and
``PAYAM_TEST_REDIS_URL`` makes rate limits live in Redis. The tests own that database: they drop
every table in it and migrate it from nothing.

The suite runs in parallel (pytest-xdist): each worker process has a database of its own, named
after the one given (``test`` becomes ``test_gw0``, ``test_gw1``, …, created when missing), and a
Redis database of its own (15 becomes 15, 14, …).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
import traceback
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pwdlib.hashers.bcrypt import BcryptHasher
from sqlalchemy import MetaData, delete, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from payam.app import create_app
from payam.auth import passwords
from payam.config import Settings
from payam.db.base import Base
from payam.db.engine import create_engine
from payam.db.migrate import downgrade_to_base, upgrade_to_head
from payam.runtime import Runtime
from tests.fakes.kavenegar import FakeKavenegar, serve_kavenegar
from tests.fakes.smtp import FakeMailbox, serve_smtp

# "gw0", "gw1", … in a pytest-xdist worker; None in a plain run.
WORKER = os.environ.get("PYTEST_XDIST_WORKER")
WORKER_NUMBER = int(WORKER.removeprefix("gw")) if WORKER else 0


def _worker_redis_url(url: str | None) -> str | None:
    if url is None or WORKER is None:
        return url
    head, _, database = url.rpartition("/")
    if not database.isdigit():  # no database number: Redis's 0
        head, database = url.rstrip("/"), "0"
    return f"{head}/{(int(database) - WORKER_NUMBER) % 16}"


TEST_DATABASE_URL = os.environ.get("PAYAM_TEST_DATABASE_URL")
TEST_REDIS_URL = _worker_redis_url(os.environ.get("PAYAM_TEST_REDIS_URL"))
TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-for-hs256"
CLIENT_IP = "203.0.113.7"

# Hashing at production cost is a large share of the suite's time and proves nothing more than
# hashing at the lowest cost does: both are argon2id (and bcrypt) through the same code.
passwords._password_hash = PasswordHash(
    (Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1), BcryptHasher(rounds=4))
)
passwords._DUMMY_HASH = passwords._password_hash.hash("payam-dummy-password")


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: two xdist workers a core, at most eight (each CI pass counts its Redis
    databases down from its own, eight apart).

    Much of the suite's time is spent waiting on the processes it starts (``payam`` workers
    killed and restarted, servers, leases running out), with the cores half idle: a second
    worker a core fills that time. The waits that tests do count from their last progress, not
    from their start (``tests.support.wait_for``), so a busier machine makes them slower, not
    failed.
    """
    return min(2 * len(os.sched_getaffinity(0)), 8)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests whose outcome cannot depend on the database or Redis the run is given.

    Those are the tests that neither use the database (through any fixture) nor read
    ``TEST_REDIS_URL``: the CLI's own SQLite files, parsers, templating, settings. CI runs the
    suite once per database and runs them only in the first pass (``-m "not
    backend_independent"`` in the others): a second run could only repeat the first answer.
    """
    for item in items:
        module = getattr(item, "module", None)
        uses_redis = module is not None and hasattr(module, "TEST_REDIS_URL")
        if "database_url" not in getattr(item, "fixturenames", ()) and not uses_redis:
            item.add_marker(pytest.mark.backend_independent)


async def _create_worker_database(url: str) -> str:
    """This worker's own database beside the one given, created when missing; its URL."""
    given = make_url(url)
    name = f"{given.database}_{WORKER}"
    engine = create_engine(given.render_as_string(hide_password=False))
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        if given.get_backend_name() == "postgresql":
            exists = await autocommit.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                await autocommit.execute(text(f'CREATE DATABASE "{name}"'))
        else:
            await autocommit.execute(
                text(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4")
            )
    await engine.dispose()
    return given.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if TEST_DATABASE_URL and WORKER:
        return await _create_worker_database(TEST_DATABASE_URL)
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
    # Up, all the way down, and up again: every migration must undo cleanly on this backend. The
    # first worker proves it; the others only need the schema (on MariaDB a pass takes seconds).
    round_trip = (upgrade_to_head, downgrade_to_base, upgrade_to_head)
    for step in round_trip if WORKER_NUMBER == 0 else round_trip[-1:]:
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
    try:
        async with engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                await connection.execute(delete(table))
    except OperationalError as error:
        if "locked" not in str(error):
            raise
        # Another connection held SQLite's write lock past busy_timeout: say whose it may be.
        raise AssertionError(f"{error}\n{_who_holds(engine.url.database or '')}") from error


def _who_holds(database: str) -> str:
    """The processes with the SQLite file open, this process's threads and its pending tasks."""
    holders = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        # Processes come and go while this looks: one gone is skipped.
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{pid}/fd/{fd}").startswith(database):
                        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
                        holders.append(f"{pid}: {command.decode(errors='replace')[:200]}")
    frames = sys._current_frames()
    threads = [
        f"{thread.name}: {traceback.format_stack(frames[thread.ident])[-3:]}"
        for thread in threading.enumerate()
        if thread.ident in frames
    ]
    tasks = [repr(task)[:300] for task in asyncio.all_tasks() if not task.done()]
    return "\n".join(["open by:", *sorted(set(holders)), "threads:", *threads, "tasks:", *tasks])


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
