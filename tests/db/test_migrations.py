from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from payam.config import Settings
from payam.db.base import Base
from payam.db.engine import create_engine
from payam.db.migrate import alembic_config, downgrade_to_base, upgrade_to_head
from payam.runtime import Runtime


def _differences(connection: Connection) -> list[Any]:
    # The same comparison `alembic revision --autogenerate` makes: an empty list means a new
    # revision would be empty, i.e. the models and the migrations describe the same schema.
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    differences: list[Any] = compare_metadata(context, Base.metadata)
    return differences


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _head(settings: Settings) -> str | None:
    return ScriptDirectory.from_config(alembic_config(settings)).get_current_head()


async def test_the_models_and_the_migrations_describe_the_same_schema(runtime: Runtime) -> None:
    async with runtime.engine.connect() as connection:
        differences = await connection.run_sync(_differences)

    assert differences == []


async def test_the_test_database_is_at_the_single_head_revision(runtime: Runtime) -> None:
    head = _head(runtime.settings)
    async with runtime.engine.connect() as connection:
        current = await connection.run_sync(_current_revision)

    assert head is not None
    assert current == head


async def test_migrations_go_down_to_nothing_and_back_up(tmp_path: Path) -> None:
    # Always a throwaway SQLite file: on PostgreSQL and MariaDB the suite has one `test` database,
    # owned by the session fixture, and emptying it here would pull it from under other tests.
    url = f"sqlite+aiosqlite:///{tmp_path / 'round-trip.db'}"
    settings = Settings(_env_file=None, database_url=url)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda sync: upgrade_to_head(settings, connection=sync))
            upgraded = await connection.run_sync(_tables)
        async with engine.begin() as connection:
            await connection.run_sync(lambda sync: downgrade_to_base(settings, connection=sync))
            downgraded = await connection.run_sync(_tables)
            emptied_revision = await connection.run_sync(_current_revision)
        async with engine.begin() as connection:
            await connection.run_sync(lambda sync: upgrade_to_head(settings, connection=sync))
            differences = await connection.run_sync(_differences)
            revision = await connection.run_sync(_current_revision)
    finally:
        await engine.dispose()

    assert upgraded >= set(Base.metadata.tables)
    assert downgraded <= {"alembic_version"}
    assert emptied_revision is None
    assert differences == []
    assert revision == _head(settings)
