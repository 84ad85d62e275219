"""How many connections a process opens: the pool and its overflow are settings."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from payam.config import Settings
from payam.db import engine as engine_module
from payam.db.engine import PING_AFTER_IDLE_SECONDS, create_read_engine, engine_for


@pytest.mark.parametrize(
    ("size", "overflow", "expected"),
    [(None, None, (10, 20)), (5, None, (5, 0)), (5, 3, (5, 3)), (None, 0, (10, 0))],
)
async def test_pool_size_and_overflow_follow_the_settings(
    size: int | None, overflow: int | None, expected: tuple[int, int]
) -> None:
    settings = Settings(
        database_url="postgresql+asyncpg://payam@127.0.0.1:5432/never_connected",
        database_pool_size=size,
        database_pool_overflow=overflow,
    )
    engine = engine_for(settings)
    try:
        pool = engine.sync_engine.pool
        assert (pool.size(), pool._max_overflow) == expected  # type: ignore[attr-defined]
    finally:
        await engine.dispose()


async def test_sqlite_keeps_one_connection_whatever_the_overflow(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/payam.db", database_pool_overflow=10
    )
    engine = engine_for(settings)
    try:
        pool = engine.sync_engine.pool
        assert (pool.size(), pool._max_overflow) == (1, 0)  # type: ignore[attr-defined]
    finally:
        await engine.dispose()


async def test_a_transaction_left_idle_past_the_setting_is_ended(settings: Settings) -> None:
    """A process frozen mid-transaction must not hold its row locks for good (PostgreSQL's
    idle_in_transaction_session_timeout, MariaDB's idle_transaction_timeout)."""
    if settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite: one process, whose own transactions end with it")
    engine = engine_for(
        settings.model_copy(update={"database_idle_transaction_timeout_seconds": 1})
    )
    try:
        async with engine.connect() as connection:
            await connection.begin()
            # A table read: MariaDB counts a transaction from its first use of a table.
            assert await connection.scalar(text("SELECT COUNT(*) FROM alembic_version")) == 1
            await asyncio.sleep(2.5)
            with pytest.raises(DBAPIError):
                await connection.scalar(text("SELECT 1"))
    finally:
        await engine.dispose()


async def test_sqlite_readers_read_beside_the_writer_and_cannot_write(tmp_path: Path) -> None:
    """Decision 8: the writer's transaction holds the one write connection; a reader does not
    wait for it, reads what was committed before, and is refused a write."""
    writer = engine_for(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/payam.db"))
    readers = create_read_engine(writer)
    try:
        async with writer.begin() as connection:
            await connection.execute(text("CREATE TABLE notes (body TEXT)"))
            await connection.execute(text("INSERT INTO notes VALUES ('committed')"))
        async with writer.begin() as writing:
            await writing.execute(text("INSERT INTO notes VALUES ('in flight')"))
            async with readers.begin() as reading:
                bodies = (await reading.scalars(text("SELECT body FROM notes"))).all()
                assert bodies == ["committed"]
                with pytest.raises(OperationalError, match="readonly"):
                    await reading.execute(text("INSERT INTO notes VALUES ('from a reader')"))
        async with readers.begin() as reading:
            assert await reading.scalar(text("SELECT count(*) FROM notes")) == 2
    finally:
        await readers.dispose()
        await writer.dispose()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+asyncpg://payam@127.0.0.1:5432/never_connected",
        "mysql+asyncmy://payam@127.0.0.1:3306/never_connected",
    ],
)
async def test_other_databases_read_on_the_one_engine(url: str) -> None:
    # Their transactions read beside writers on any pooled connection.
    engine = engine_for(Settings(database_url=url))
    try:
        assert create_read_engine(engine) is engine
    finally:
        await engine.dispose()


async def test_a_pooled_connection_the_server_closed_is_replaced_after_an_idle_moment(
    settings: Settings,
) -> None:
    """Only a connection idle past ``PING_AFTER_IDLE_SECONDS`` is pinged: one the server ended
    meanwhile (a restart) is replaced before use, not handed to a transaction."""
    backend = settings.database_url.split(":", 1)[0]
    if backend.startswith("sqlite"):
        pytest.skip("SQLite has no server to close a connection")
    whoami, end = (
        ("SELECT pg_backend_pid()", "SELECT pg_terminate_backend({})")
        if backend.startswith("postgresql")
        else ("SELECT CONNECTION_ID()", "KILL {}")
    )
    engine = engine_for(settings.model_copy(update={"database_pool_size": 1}))
    other = engine_for(settings)
    try:
        async with engine.connect() as connection:
            first = await connection.scalar(text(whoami))
        async with other.connect() as connection:
            await connection.execute(text(end.format(int(first))))
        await asyncio.sleep(PING_AFTER_IDLE_SECONDS + 0.2)
        async with engine.connect() as connection:
            assert await connection.scalar(text(whoami)) != first
    finally:
        await engine.dispose()
        await other.dispose()


@contextlib.asynccontextmanager
async def _role_limited_to(settings: Settings, *, connections: int) -> AsyncIterator[str]:
    """A PostgreSQL role of this test's own, allowed ``connections`` at once; yields its URL."""
    url = make_url(settings.database_url)
    role = f"{url.database}_few"
    admin = engine_for(settings)
    try:
        async with admin.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
            await autocommit.execute(
                text(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT {connections}')
            )
        yield url.set(username=role, password=None).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :r"),
                {"r": role},
            )
            await autocommit.execute(text(f'DROP ROLE "{role}"'))
        await admin.dispose()


async def _hold(engine: AsyncEngine, release: asyncio.Event, held: asyncio.Queue[None]) -> int:
    """A connection of ``engine`` in use until ``release`` is set; ``held`` hears when."""
    async with engine.connect() as connection:
        answer = int(await connection.scalar(text("SELECT 1")) or 0)
        held.put_nowait(None)
        await release.wait()
        return answer


async def test_a_process_the_server_refuses_more_connections_waits_for_its_own(
    settings: Settings,
) -> None:
    """Pools whose sum exceeds the server's limit: a transaction that finds the server full
    waits for one of its process's connections instead of failing (issue 13's drill)."""
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL role's connection limit")
    async with _role_limited_to(settings, connections=2) as url:
        engine = engine_for(
            settings.model_copy(
                update={
                    "database_url": url,
                    "database_pool_size": 5,
                    "database_pool_timeout_seconds": 20,
                }
            )
        )
        try:
            release, held = asyncio.Event(), asyncio.Queue[None]()
            holders = [asyncio.create_task(_hold(engine, release, held)) for _ in range(2)]
            for _ in holders:
                await held.get()
            third = asyncio.create_task(_hold(engine, release, held))
            await asyncio.sleep(0.5)
            assert not third.done()  # waiting, not failed
            release.set()
            assert await asyncio.gather(*holders, third) == [1, 1, 1]
        finally:
            await engine.dispose()


async def test_connections_idle_past_a_while_are_closed(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a burst opened goes back to the server once unused, for other processes."""
    if settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite keeps its one connection")
    monkeypatch.setattr(engine_module, "CLOSE_AFTER_IDLE_SECONDS", 0.5)
    engine = engine_for(settings.model_copy(update={"database_pool_size": 5}))
    try:
        release, held = asyncio.Event(), asyncio.Queue[None]()
        burst = [asyncio.create_task(_hold(engine, release, held)) for _ in range(3)]
        for _ in burst:
            await held.get()
        release.set()
        await asyncio.gather(*burst)
        assert engine.sync_engine.pool.checkedin() == 3  # type: ignore[attr-defined]
        await asyncio.sleep(1.1)
        async with engine.connect() as connection:
            await connection.scalar(text("SELECT 1"))
        assert engine.sync_engine.pool.checkedin() == 1  # type: ignore[attr-defined]
    finally:
        await engine.dispose()
